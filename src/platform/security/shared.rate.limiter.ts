import type { RedisClient } from '../data/redis.client.ts'
import { GcraLimiter, type Rate, type RateVerdict } from './rate.limiter.ts'

/**
 * The same GCRA as `GcraLimiter`, run in Redis, so every process serving the site counts against
 * one limit: KEYS are a request's counts, ARGV each one's interval and tolerance in milliseconds.
 * All of them or none are taken, so a request refused by one limit costs the others nothing. The
 * script reads Redis's own clock (TIME): processes whose clocks disagree still agree on the count.
 * A key expires when its burst has refilled.
 */
const gcraScript = `
if redis.replicate_commands then redis.replicate_commands() end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local verdicts, arrivals, refused = {}, {}, false
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i])) or now
  if tat < now then tat = now end
  local ahead = tat + interval - now
  if ahead > tolerance then
    refused = true
    verdicts[i] = {0, 0, math.ceil(ahead - tolerance), math.ceil(tat - now)}
  else
    arrivals[i] = tat + interval
    verdicts[i] = {1, math.floor((tolerance - ahead) / interval), 0, math.ceil(ahead)}
  end
end
if not refused then
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], string.format('%.3f', arrivals[i]), 'PX', math.ceil(arrivals[i] - now))
  end
end
return verdicts
`

type Answer = [allowed: number, remaining: number, retryAfterMs: number, resetMs: number]
type GcraClient = RedisClient & { rateGcra(keys: number, ...args: string[]): Promise<Answer[]> }

const scripted = new WeakSet<RedisClient>()

function withScript(client: RedisClient): GcraClient {
  if (!scripted.has(client)) {
    // evalsha, falling back to eval once per connection (NOSCRIPT), by ioredis.
    client.defineCommand('rateGcra', { lua: gcraScript })
    scripted.add(client)
  }
  return client as GcraClient
}

/** One limit: its Redis keys' prefix, and this process's own count of it for when Redis is away. */
export class SharedRateLimiter {
  readonly local: GcraLimiter
  readonly intervalMs: string
  readonly toleranceMs: string

  constructor(
    readonly rate: Rate,
    readonly prefix: string,
  ) {
    this.local = new GcraLimiter(rate)
    this.intervalMs = String(60_000 / rate.perMinute)
    this.toleranceMs = String((60_000 / rate.perMinute) * rate.burst)
  }

  verdict([allowed, remaining, retryAfterMs, resetMs]: Answer): RateVerdict {
    return {
      allowed: allowed === 1,
      limit: this.rate.burst,
      remaining,
      retryAfterMs,
      resetMs,
      windowSeconds: this.local.windowSeconds,
    }
  }
}

export interface RateTake {
  limiter: SharedRateLimiter
  key: string
}

/** How long a failed Redis is left alone before the next request tries it again. */
const offlineMs = 1000

/**
 * Takes a request's counts in Redis, with each limit's own `GcraLimiter` as its insurance (the idea
 * of rate-limiter-flexible's `insuranceLimiter`): when there is no Redis, it is not connected, or a
 * call fails, the request is counted in this process instead, so an outage leaves each process
 * limiting on its own and never turns into a 5xx. The answer comes without a promise whenever Redis
 * is not asked.
 */
export class SharedRateCounter {
  private offlineUntil = 0

  constructor(
    /** The Redis client, or null to count in this process only; read on each request. */
    private readonly redis: () => RedisClient | null,
    private readonly clock: () => number = Date.now,
    /** Told of each Redis failure that sent a request to the insurance. */
    private readonly onFallback: (error: unknown) => void = () => {},
  ) {}

  take(takes: RateTake[]): RateVerdict[] | Promise<RateVerdict[]> {
    const client = this.redis()
    const now = this.clock()
    if (takes.length === 0) return []
    if (client === null || client.status !== 'ready' || now < this.offlineUntil)
      return this.locally(takes, now)
    const scripted = withScript(client)
    // A cluster cannot run one script over keys in different slots: there, one call per count.
    const answers = client.isCluster
      ? Promise.all(takes.map((take) => this.call(scripted, [take]).then(([answer]) => answer as Answer)))
      : this.call(scripted, takes)
    return answers.then(
      (settled) => takes.map((take, i) => take.limiter.verdict(settled[i] as Answer)),
      (error: unknown) => {
        this.onFallback(error)
        this.offlineUntil = this.clock() + offlineMs
        return this.locally(takes, this.clock())
      },
    )
  }

  private call(client: GcraClient, takes: RateTake[]): Promise<Answer[]> {
    const args: string[] = []
    for (const { limiter, key } of takes) args.push(`${limiter.prefix}${key}`)
    for (const { limiter } of takes) args.push(limiter.intervalMs, limiter.toleranceMs)
    return client.rateGcra(takes.length, ...args)
  }

  /** As the script does: when one count refuses, the others are given back. */
  private locally(takes: RateTake[], now: number): RateVerdict[] {
    const verdicts = takes.map(({ limiter, key }) => limiter.local.take(key, now))
    if (verdicts.some((verdict) => !verdict.allowed))
      takes.forEach(({ limiter, key }, i) => {
        if (verdicts[i]?.allowed) limiter.local.refund(key)
      })
    return verdicts
  }
}
