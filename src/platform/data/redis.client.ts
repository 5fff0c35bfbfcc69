import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { RedisConfig } from '../../config.ts'
import { DependencyUnavailableError } from '../http/errors.catalogue.ts'

export type RedisClient = Redis | Cluster

/**
 * Opens Redis (or a Redis Cluster when several nodes are named) so that an outage is an error
 * within a second: a command timeout, no offline queue, one retry.
 */
export function createRedisClient(config: RedisConfig): RedisClient {
  const options: RedisOptions = {
    username: config.username,
    password: config.password,
    tls: config.tls ? {} : undefined,
    keyPrefix: config.keyPrefix || undefined,
    connectTimeout: 1000,
    commandTimeout: 800,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
  }
  if (config.nodes.length > 1) {
    return new Cluster(config.nodes, {
      redisOptions: { ...options, keyPrefix: undefined },
      keyPrefix: config.keyPrefix || undefined,
      enableOfflineQueue: false,
      lazyConnect: true,
      slotsRefreshTimeout: 1000,
      clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    })
  }
  const [node] = config.nodes
  return new Redis({ ...options, host: node?.host, port: node?.port })
}

/** Waits up to `ms` for the first connection; a Redis that is down at start-up is retried in the background. */
export async function connectRedis(client: RedisClient, ms: number): Promise<boolean> {
  if (client.status === 'ready') return true
  const ready = new Promise<boolean>((resolve) => {
    client.once('ready', () => resolve(true))
    setTimeout(() => resolve(false), ms).unref()
  })
  client.connect().catch(() => {})
  return ready
}

const unavailable =
  /Connection is closed|Command timed out|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|ECONNREFUSED|ECONNRESET|None of startup nodes|Failed to refresh slots|ClusterAllFailed|CLUSTERDOWN|TRYAGAIN|LOADING/

/** True when an error means Redis could not answer, rather than that a command was wrong. */
export function isRedisUnavailable(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: string; message?: string }
  return unavailable.test(`${name ?? ''} ${message ?? ''}`)
}

/** Turns "could not reach Redis" into a typed 503 error; other errors pass unchanged. */
export async function guardRedis<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (isRedisUnavailable(error)) throw new DependencyUnavailableError('redis', error)
    throw error
  }
}
