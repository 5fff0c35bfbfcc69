import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { connectRedis, createRedisClient, type RedisClient } from './redis.client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared state across processes; null when this process keeps queue state in memory. */
    redis: RedisClient | null
  }
}

/** Redis or Redis Cluster when `REDIS_URL` is set; a Redis that is down at start is retried, not fatal. */
export const redisPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    if (!config.redis) {
      app.decorate<RedisClient | null>('redis', null)
      return
    }
    const client = createRedisClient(config.redis)
    let warned = false
    client.on('error', (error) => {
      if (!warned) app.log.warn({ err: error }, 'redis unreachable')
      warned = true
    })
    client.on('ready', () => {
      if (warned) app.log.info('redis reachable again')
      warned = false
    })
    if (!(await connectRedis(client, 2000)))
      app.log.warn('redis not reachable at start; retrying in the background')
    app.decorate<RedisClient | null>('redis', client)
    app.addHook('onClose', async () => {
      await client.quit().catch(() => client.disconnect())
    })
  },
  { name: 'redis' },
)
