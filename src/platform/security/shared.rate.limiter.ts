import type { RedisClient } from '../data/redis.client.ts'
import { GcraLimiter, type Rate, type RateVerdict } from './rate.limiter.ts'

/**
 * The same GCRA as `GcraLimiter`, run in Redis as one script per request, so every process
 * serving the site counts against one limit. The script reads Redis's own clock (TIME): processes
 * whose clocks disagree still agree on the count. A key expires when its burst has refilled.
 */
const gcraScript = `
if redis.replicate_commands then redis.replicate_commands() end
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local stored = tonumber(redis.call('GET', KEYS[1]))
local tat = stored or now
if tat < now then tat = now end
local arrival = tat + interval
local ahead = arrival - now
if ahead > tolerance then
  return {0, 0, math.ceil(ahead - tolerance), math.ceil(math.max(0, tat - now))}
end
redis.call('SET', KEYS[1], string.format('%.3f', arrival), 'PX', math.ceil(ahead))
return {1, math.floor((tolerance - ahead) / interval), 0, math.ceil(ahead)}
`

type GcraClient = RedisClient & {
  rateGcra(key: string, intervalMs: string, toleranceMs: string): Promise<[number, number, number, number]>
}

const scripted = new WeakSet<RedisClient>()

function withScript(client: RedisClient): GcraClient {
  if (!scripted.has(client)) {
    // evalsha, falling back to eval once per connection (NOSCRIPT), by ioredis.
    client.defineCommand('rateGcra', { numberOfKeys: 1, lua: gcraScript })
    scripted.add(client)
  }
  return client as GcraClient
}

/** How long a failed Redis is left alone before the next request tries it again. */
const offlineMs = 1000

/**
 * A limit shared by every process through Redis, with this process's own `GcraLimiter` as its
 * insurance: when there is no Redis, it is not connected, or a call fails, the request is counted
 * here instead, so an outage leaves each process limiting on its own and never turns into a 5xx.
 * `take` answers synchronously whenever it does not call Redis.
 */
export class SharedRateLimiter {
  private readonly local: GcraLimiter
  private readonly intervalMs: string
  private readonly toleranceMs: string
  private offlineUntil = 0

  constructor(
    readonly rate: Rate,
    /** The Redis client, or null to count in this process only; read on each request. */
    private readonly redis: () => RedisClient | null,
    private readonly prefix: string,
    private readonly clock: () => number = Date.now,
    /** Told of each Redis failure that sent a request to the insurance. */
    private readonly onFallback: (error: unknown) => void = () => {},
  ) {
    this.local = new GcraLimiter(rate)
    this.intervalMs = String(60_000 / rate.perMinute)
    this.toleranceMs = String((60_000 / rate.perMinute) * rate.burst)
  }

  take(key: string): RateVerdict | Promise<RateVerdict> {
    const client = this.redis()
    const now = this.clock()
    if (client === null || client.status !== 'ready' || now < this.offlineUntil)
      return this.local.take(key, now)
    return withScript(client)
      .rateGcra(`${this.prefix}${key}`, this.intervalMs, this.toleranceMs)
      .then(
        ([allowed, remaining, retryAfterMs, resetMs]) =>
          this.verdict(allowed === 1, remaining, retryAfterMs, resetMs),
        (error: unknown) => {
          this.onFallback(error)
          this.offlineUntil = this.clock() + offlineMs
          return this.local.take(key, this.clock())
        },
      )
  }

  private verdict(allowed: boolean, remaining: number, retryAfterMs: number, resetMs: number): RateVerdict {
    return {
      allowed,
      limit: this.local.rate.burst,
      remaining,
      retryAfterMs,
      resetMs,
      windowSeconds: this.local.windowSeconds,
    }
  }
}
