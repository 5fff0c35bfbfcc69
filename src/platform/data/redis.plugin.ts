import { performance } from 'node:perf_hooks'
import fp from 'fastify-plugin'
import type { Command } from 'ioredis'
import { Histogram, type Registry } from 'prom-client'
import type { Config } from '../../config.ts'
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
    // Registered even without Redis, so dashboards and alerts see an empty series, not a missing one.
    const duration = commandHistogram(app.metrics)
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
    observeCommands(client, duration)
    app.decorate<RedisClient | null>('redis', client)
    app.addHook('onClose', async () => {
      await client.quit().catch(() => client.disconnect())
    })
  },
  { name: 'redis', dependencies: ['metrics'] },
)

function commandHistogram(registry: Registry): Histogram<'command' | 'outcome'> {
  return new Histogram({
    name: 'breakwater_redis_command_duration_seconds',
    help: 'Redis commands by name and outcome, as this process saw them',
    labelNames: ['command', 'outcome'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  })
}

/** Times every command the client sends, by command name and outcome. */
function observeCommands(client: RedisClient, duration: Histogram<'command' | 'outcome'>): void {
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown
  // ioredis has no command hook; wrapping sendCommand sees every command, scripts included.
  client.sendCommand = ((command: Command, ...rest: unknown[]) => {
    const started = performance.now()
    const observe = (outcome: string) => () =>
      duration.observe({ command: command.name, outcome }, (performance.now() - started) / 1000)
    command.promise.then(observe('ok'), observe('error'))
    return send(command, ...rest)
  }) as typeof client.sendCommand
}
