import type { Redis } from 'ioredis'
import type { RedisClient } from '../../platform/data/redis.client.ts'
import type { PreQueueSeal } from './prequeue.shuffle.ts'
import { queueKeys } from './queue.keys.ts'
import {
  type AdvanceResult,
  type Frontier,
  type JoinResult,
  livenessBucket,
  type QueueSettings,
  type QueueState,
  type RoomState,
  roomStates,
} from './queue-state.types.ts'

// Each multi-step update is one Lua script, so that concurrent processes never interleave inside it.
const scripts = {
  queueJoin: {
    numberOfKeys: 3,
    // KEYS: meta, users, live bucket. ARGV: user, issuedAt, state, rate, max, live ttl ms.
    // A user's entry is 8 bytes, number and issuedAt as little-endian u32: 8 bytes less per user
    // than the same in decimal text, because of the allocator's size classes.
    lua: `
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then
  local a, b, c, d, e, f, g, h = string.byte(held, 1, 8)
  return {a + b * 256 + c * 65536 + d * 16777216, e + f * 256 + g * 65536 + h * 16777216, 0}
end
local function u32(x)
  return string.char(x % 256, math.floor(x / 256) % 256, math.floor(x / 65536) % 256, math.floor(x / 16777216) % 256)
end
redis.call('HSETNX', KEYS[1], 'state', ARGV[3])
redis.call('HSETNX', KEYS[1], 'rate', ARGV[4])
redis.call('HSETNX', KEYS[1], 'max', ARGV[5])
local n = redis.call('HINCRBY', KEYS[1], 'last', 1)
redis.call('HSET', KEYS[2], ARGV[1], u32(n) .. u32(tonumber(ARGV[2])))
redis.call('SETBIT', KEYS[3], n, 1)
redis.call('PEXPIRE', KEYS[3], ARGV[6])
return {n, tonumber(ARGV[2]), 1}`,
  },
  queueFrontier: {
    numberOfKeys: 2,
    // KEYS: meta, admissions. ARGV: now ms.
    lua: `
local m = redis.call('HMGET', KEYS[1], 'state', 'serving', 'last', 'rate', 'max', 'pqseed', 'pqsize')
if not m[1] then return false end
local active = redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf')
return {m[1], m[2] or '0', m[3] or '0', m[4], m[5], active, m[6] or '', m[7] or '0'}`,
  },
  queueConfigure: {
    numberOfKeys: 1,
    // KEYS: meta. ARGV: default state, rate, max, then the changes ('' when unchanged).
    lua: `
redis.call('HSETNX', KEYS[1], 'state', ARGV[1])
redis.call('HSETNX', KEYS[1], 'rate', ARGV[2])
redis.call('HSETNX', KEYS[1], 'max', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'state', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'rate', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'max', ARGV[6]) end
return 1`,
  },
  queueAdvance: {
    numberOfKeys: 4,
    // KEYS: meta, admissions, live now, live before. ARGV: now ms, max steps, max elapsed ms.
    lua: `
local m = redis.call('HMGET', KEYS[1], 'state', 'serving', 'last', 'rate', 'max', 'tick', 'credit')
if not m[1] then return {0, 0, 0} end
local now = tonumber(ARGV[1])
local serving = tonumber(m[2] or '0')
if m[1] ~= 'open' then
  redis.call('HSET', KEYS[1], 'tick', ARGV[1], 'credit', '0')
  return {serving, 0, 0}
end
local last = tonumber(m[3] or '0')
local rate = tonumber(m[4])
local tick = tonumber(m[6] or ARGV[1])
local elapsed = math.min(math.max(now - tick, 0), tonumber(ARGV[3]))
local credit = tonumber(m[7] or '0') + rate * elapsed / 1000
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local budget = math.min(math.floor(credit), tonumber(m[5]) - redis.call('ZCARD', KEYS[2]))
local admitted, skipped, steps = 0, 0, 0
local maxSteps = tonumber(ARGV[2])
while admitted < budget and serving < last and steps < maxSteps do
  local n = serving + 1
  steps = steps + 1
  if redis.call('GETBIT', KEYS[3], n) == 1 or redis.call('GETBIT', KEYS[4], n) == 1 then
    admitted = admitted + 1
  else
    skipped = skipped + 1
  end
  serving = n
end
credit = math.max(0, math.min(credit - admitted, math.max(1, rate)))
redis.call('HSET', KEYS[1], 'serving', serving, 'tick', ARGV[1], 'credit', tostring(credit))
return {serving, admitted, skipped}`,
  },
  queuePreQueueSeal: {
    numberOfKeys: 2,
    // KEYS: meta, live bucket. ARGV: seed, live ttl ms. The first seal wins; the pre-queue's
    // numbers 1..size are marked live at once, a byte of set bits for every eight.
    lua: `
local sealed = redis.call('HMGET', KEYS[1], 'pqseed', 'pqsize')
if sealed[1] then return {sealed[1], tonumber(sealed[2])} end
local size = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
redis.call('HSET', KEYS[1], 'pqseed', ARGV[1], 'pqsize', size)
if size > 0 then
  redis.call('SETRANGE', KEYS[2], 0, string.rep(string.char(255), math.floor(size / 8) + 1))
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return {ARGV[1], size}`,
  },
  queueAdmit: {
    numberOfKeys: 2,
    // KEYS: meta, admissions. ARGV: now ms, admission id, expires at ms. Answers the admission's
    // expiry (the one it already has when still counted), or 0 when the room is full.
    lua: `
local max = tonumber(redis.call('HGET', KEYS[1], 'max') or '0')
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local held = redis.call('ZSCORE', KEYS[2], ARGV[2])
if held then return tonumber(held) end
if redis.call('ZCARD', KEYS[2]) >= max then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return tonumber(ARGV[3])`,
  },
  queueTouch: {
    numberOfKeys: 1,
    // KEYS: live bucket. ARGV: ttl ms, then the numbers.
    lua: `
for i = 2, #ARGV do redis.call('SETBIT', KEYS[1], ARGV[i], 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return #ARGV - 1`,
  },
  queueLease: {
    numberOfKeys: 1,
    // KEYS: lease. ARGV: holder, ttl ms.
    lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`,
  },
} as const

type ScriptName = keyof typeof scripts
type ScriptCall = (...args: (string | number | Buffer)[]) => Promise<unknown>
type Scripted = Record<ScriptName, ScriptCall>

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The hash field for a user: a UUID as its 16 bytes rather than 36 characters, which is most of
 * what keeps a waiting user under 100 bytes of Redis memory.
 */
export function userField(userId: string): string | Buffer {
  return uuid.test(userId) ? Buffer.from(userId.replaceAll('-', ''), 'hex') : userId
}

/** The largest batch of liveness bits sent in one script call, so no call blocks Redis for long. */
const touchChunk = 5000

/** Queue state in Redis or Redis Cluster, shared by every process. */
export class RedisQueueState implements QueueState {
  private readonly commands: Scripted
  /** Events this process already added to the shared list; saves a write per join. */
  private readonly announced = new Set<string>()

  constructor(
    private readonly redis: RedisClient,
    private readonly graceMs: number,
  ) {
    for (const [name, script] of Object.entries(scripts)) {
      if (!(name in redis)) redis.defineCommand(name, script)
    }
    this.commands = redis as unknown as Scripted
  }

  private liveTtlMs(): number {
    return this.graceMs * 3
  }

  private async announce(eventId: string): Promise<void> {
    if (this.announced.has(eventId)) return
    await this.redis.sadd(queueKeys.events(), eventId)
    this.announced.add(eventId)
  }

  async join(eventId: string, userId: string, defaults: QueueSettings, now: number): Promise<JoinResult> {
    await this.announce(eventId)
    const [number, issuedAt, created] = (await this.commands.queueJoin(
      queueKeys.meta(eventId),
      queueKeys.users(eventId),
      queueKeys.live(eventId, livenessBucket(now, this.graceMs)),
      userField(userId),
      Math.floor(now / 1000),
      defaults.state,
      defaults.admissionRatePerSec,
      defaults.maxActive,
      this.liveTtlMs(),
    )) as [number, number, number]
    return { number, issuedAt, created: created === 1 }
  }

  async frontier(eventId: string, now: number): Promise<Frontier | null> {
    const reply = (await this.commands.queueFrontier(
      queueKeys.meta(eventId),
      queueKeys.admissions(eventId),
      now,
    )) as [string, string, string, string, string, number, string, string] | null
    if (!reply) return null
    const [state, serving, last, rate, max, active, preQueueSeed, preQueueSize] = reply
    return {
      state: roomStates.includes(state as RoomState) ? (state as RoomState) : 'closed',
      servingNumber: Number(serving),
      lastNumber: Number(last),
      admissionRatePerSec: Number(rate),
      maxActive: Number(max),
      active,
      preQueue: preQueueSeed ? { seed: preQueueSeed, size: Number(preQueueSize) } : null,
    }
  }

  async configure(eventId: string, changes: Partial<QueueSettings>, defaults: QueueSettings): Promise<void> {
    await this.announce(eventId)
    await this.commands.queueConfigure(
      queueKeys.meta(eventId),
      defaults.state,
      defaults.admissionRatePerSec,
      defaults.maxActive,
      changes.state ?? '',
      changes.admissionRatePerSec ?? '',
      changes.maxActive ?? '',
    )
  }

  async advance(
    eventId: string,
    now: number,
    options: { maxSteps: number; maxElapsedMs: number },
  ): Promise<AdvanceResult> {
    const bucket = livenessBucket(now, this.graceMs)
    const [servingNumber, admitted, skipped] = (await this.commands.queueAdvance(
      queueKeys.meta(eventId),
      queueKeys.admissions(eventId),
      queueKeys.live(eventId, bucket),
      queueKeys.live(eventId, bucket - 1),
      now,
      options.maxSteps,
      options.maxElapsedMs,
    )) as [number, number, number]
    return { servingNumber, admitted, skipped }
  }

  async admit(eventId: string, admissionId: string, expiresAt: number, now: number): Promise<number | null> {
    const granted = (await this.commands.queueAdmit(
      queueKeys.meta(eventId),
      queueKeys.admissions(eventId),
      now,
      admissionId,
      expiresAt,
    )) as number
    return granted === 0 ? null : granted
  }

  async release(eventId: string, admissionId: string): Promise<void> {
    await this.redis.zrem(queueKeys.admissions(eventId), admissionId)
  }

  async touch(eventId: string, numbers: readonly number[], now: number): Promise<void> {
    const key = queueKeys.live(eventId, livenessBucket(now, this.graceMs))
    for (let i = 0; i < numbers.length; i += touchChunk) {
      await this.commands.queueTouch(key, this.liveTtlMs(), ...numbers.slice(i, i + touchChunk))
    }
  }

  async sealPreQueue(eventId: string, seed: string, now: number): Promise<PreQueueSeal> {
    const [sealedSeed, size] = (await this.commands.queuePreQueueSeal(
      queueKeys.meta(eventId),
      queueKeys.live(eventId, livenessBucket(now, this.graceMs)),
      seed,
      this.liveTtlMs(),
    )) as [string, number]
    return { seed: sealedSeed, size }
  }

  async trackedEvents(): Promise<string[]> {
    return this.redis.smembers(queueKeys.events())
  }

  async acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    return (await this.commands.queueLease(queueKeys.leader(), holder, ttlMs)) === 1
  }

  async reset(eventId: string): Promise<void> {
    const client = this.redis as Redis
    await client.del(queueKeys.meta(eventId), queueKeys.users(eventId), queueKeys.admissions(eventId))
    await this.redis.srem(queueKeys.events(), eventId)
    this.announced.delete(eventId)
  }
}
