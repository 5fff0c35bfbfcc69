import type { Redis } from 'ioredis'
import type { RedisClient } from '../../platform/data/redis.client.ts'
import type { PreQueueSeal } from './prequeue.shuffle.ts'
import { queueKeys } from './queue.keys.ts'
import type { Ceiling, FrontierSnapshot, FrontierStore } from './queue-frontiers.repository.ts'
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
    // KEYS: meta, users, live bucket. ARGV: user, issuedAt, live ttl ms. Answers {number, issuedAt,
    // created, epoch}; {-1} when the state has no epoch (never made, or lost); {-2, last} when the
    // next number is above the ceiling PostgreSQL has reserved.
    // A user's entry is 8 bytes, number and issuedAt as little-endian u32: 8 bytes less per user
    // than the same in decimal text, because of the allocator's size classes.
    lua: `
local m = redis.call('HMGET', KEYS[1], 'epoch', 'last', 'ceil')
if not m[1] then return {-1} end
local epoch = tonumber(m[1])
local held = redis.call('HGET', KEYS[2], ARGV[1])
if held then
  local a, b, c, d, e, f, g, h = string.byte(held, 1, 8)
  return {a + b * 256 + c * 65536 + d * 16777216, e + f * 256 + g * 65536 + h * 16777216, 0, epoch}
end
local n = tonumber(m[2] or '0') + 1
if n > tonumber(m[3] or '0') then return {-2, n - 1} end
local function u32(x)
  return string.char(x % 256, math.floor(x / 256) % 256, math.floor(x / 65536) % 256, math.floor(x / 16777216) % 256)
end
redis.call('HSET', KEYS[1], 'last', n)
redis.call('HSET', KEYS[2], ARGV[1], u32(n) .. u32(tonumber(ARGV[2])))
redis.call('SETBIT', KEYS[3], n, 1)
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return {n, tonumber(ARGV[2]), 1, epoch}`,
  },
  queueFrontier: {
    numberOfKeys: 2,
    // KEYS: meta, admissions. ARGV: now ms.
    lua: `
local m = redis.call('HMGET', KEYS[1], 'state', 'serving', 'last', 'rate', 'max', 'pqseed', 'pqsize', 'epoch')
if not m[8] then return false end
local active = redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[1], '+inf')
return {m[1], m[2] or '0', m[3] or '0', m[4], m[5], active, m[6] or '', m[7] or '0', m[8]}`,
  },
  queueConfigure: {
    numberOfKeys: 1,
    // KEYS: meta. ARGV: the changes to state, rate, max ('' when unchanged). -1 without an epoch.
    lua: `
if not redis.call('HGET', KEYS[1], 'epoch') then return -1 end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'state', ARGV[1]) end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'rate', ARGV[2]) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'max', ARGV[3]) end
return 1`,
  },
  queueAdvance: {
    numberOfKeys: 4,
    // KEYS: meta, admissions, live now, live before. ARGV: now ms, max steps, max elapsed ms.
    lua: `
local m = redis.call('HMGET', KEYS[1], 'state', 'serving', 'last', 'rate', 'max', 'tick', 'credit', 'epoch')
if not m[8] then return {0, 0, 0} end
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
local sealed = redis.call('HMGET', KEYS[1], 'pqseed', 'pqsize', 'epoch')
if sealed[1] then return {sealed[1], tonumber(sealed[2])} end
if not sealed[3] then return {ARGV[1], 0} end
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
    // KEYS: meta, admissions. ARGV: now ms, admission id, expires at ms, the ticket's epoch.
    // Answers {1, expiry} (the one it already has when still counted), {0} when the room is full,
    // {-1} when the epoch is not the ticket's, {-2, admitted, rate, max} when the admission ceiling
    // that PostgreSQL has reserved is reached.
    lua: `
local m = redis.call('HMGET', KEYS[1], 'epoch', 'max', 'admitted', 'aceil', 'rate')
if m[1] ~= ARGV[4] then return {-1} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
local held = redis.call('ZSCORE', KEYS[2], ARGV[2])
if held then return {1, tonumber(held)} end
if redis.call('ZCARD', KEYS[2]) >= tonumber(m[2] or '0') then return {0} end
local admitted = tonumber(m[3] or '0') + 1
if admitted > tonumber(m[4] or '0') then return {-2, admitted - 1, tonumber(m[5] or '0'), tonumber(m[2] or '0')} end
redis.call('HSET', KEYS[1], 'admitted', admitted)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return {1, tonumber(ARGV[3])}`,
  },
  queueRaise: {
    numberOfKeys: 1,
    // KEYS: meta. ARGV: field (ceil or aceil), a ceiling PostgreSQL holds. Never lowers one, and
    // leaves a lost state alone.
    lua: `
if not redis.call('HGET', KEYS[1], 'epoch') then return 0 end
if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') < tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1`,
  },
  queueSnapshot: {
    numberOfKeys: 2,
    // KEYS: meta, admissions. ARGV: now ms. Answers the epoch, last, serving, admitted, the
    // pre-queue seal and the unexpired admissions as expiry, count, expiry, count…; false when lost.
    lua: `
local m = redis.call('HMGET', KEYS[1], 'epoch', 'last', 'serving', 'admitted', 'pqseed', 'pqsize')
if not m[1] then return false end
local entries = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local groups = {}
for i = 2, #entries, 2 do
  if groups[#groups - 1] == entries[i] then
    groups[#groups] = groups[#groups] + 1
  else
    groups[#groups + 1] = entries[i]
    groups[#groups + 1] = 1
  end
end
return {m[1], m[2] or '0', m[3] or '0', m[4] or '0', m[5] or '', m[6] or '0', groups}`,
  },
  queueRestore: {
    numberOfKeys: 3,
    // KEYS: meta, users, admissions. ARGV: epoch, state, rate, max, serving, last, admitted,
    // pre-queue seed ('' when none) and size, then expiry and count of each admission to count as
    // still inside. Numbering resumes above `last`, the ceiling no number ever went past. When
    // another process restored first, only the higher epoch is kept. Answers the epoch in force.
    lua: `
local current = redis.call('HGET', KEYS[1], 'epoch')
if current then
  if tonumber(current) >= tonumber(ARGV[1]) then return tonumber(current) end
  redis.call('HSET', KEYS[1], 'epoch', ARGV[1])
  return tonumber(ARGV[1])
end
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'state', ARGV[2], 'rate', ARGV[3], 'max', ARGV[4],
  'serving', ARGV[5], 'last', ARGV[6], 'ceil', ARGV[6], 'admitted', ARGV[7], 'aceil', ARGV[7])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'pqseed', ARGV[8], 'pqsize', ARGV[9]) end
local k = 0
for i = 10, #ARGV - 1, 2 do
  for _ = 1, tonumber(ARGV[i + 1]) do
    k = k + 1
    redis.call('ZADD', KEYS[3], ARGV[i], 'restored:' .. ARGV[1] .. ':' .. k)
  end
end
return tonumber(ARGV[1])`,
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

/** Numbers PostgreSQL reserves at a time: one write per this many joins. */
const numberBlock = 10_000
/**
 * Admissions reserved at a time: a second's worth at the admission rate, at least 50, but at most a
 * tenth of `maxActive`, since after a loss every admission reserved and not yet known to have
 * expired is counted as inside.
 */
function admissionBlock(rate: number, maxActive: number): number {
  return Math.max(1, Math.min(Math.max(50, rate), Math.ceil(maxActive / 10)))
}
/** Bound on retries of one call that met a lost state or a ceiling, all of them under contention. */
const maxAttempts = 5

export interface RedisQueueStateOptions {
  /** A holder unseen for one to two of these is skipped. */
  graceMs: number
  /** How long an admission lasts: those granted but not yet persisted are counted that long after a loss. */
  admissionTtlMs: number
}

/**
 * Queue state in Redis or Redis Cluster, shared by every process. Redis may lose it (a restart
 * without persistence, a failover, an eviction); PostgreSQL keeps what must survive that. Redis
 * never hands out a number, nor grants an admission, above a ceiling PostgreSQL has recorded first,
 * and every state carries an epoch. A state found without one was lost (or never made): it is made
 * again in the next epoch from the frontier store, numbering resumes above the number ceiling, and
 * every admission that may still be inside is counted until it would have expired.
 */
export class RedisQueueState implements QueueState {
  private readonly commands: Scripted
  /** Events this process already added to the shared list; saves a write per join. */
  private readonly announced = new Set<string>()
  /** Reservations and restores under way, one per event and kind, shared by concurrent callers. */
  private readonly pending = new Map<string, Promise<void>>()

  constructor(
    private readonly redis: RedisClient,
    private readonly frontiers: FrontierStore,
    private readonly options: RedisQueueStateOptions,
  ) {
    for (const [name, script] of Object.entries(scripts)) {
      if (!(name in redis)) redis.defineCommand(name, script)
    }
    this.commands = redis as unknown as Scripted
  }

  private liveTtlMs(): number {
    return this.options.graceMs * 3
  }

  private async announce(eventId: string): Promise<void> {
    if (this.announced.has(eventId)) return
    await this.redis.sadd(queueKeys.events(), eventId)
    this.announced.add(eventId)
  }

  /** Runs `work` once for concurrent callers with the same key. */
  private once(key: string, work: () => Promise<void>): Promise<void> {
    let running = this.pending.get(key)
    if (!running) {
      running = work().finally(() => this.pending.delete(key))
      this.pending.set(key, running)
    }
    return running
  }

  /**
   * Makes the event's state in a new epoch, from what PostgreSQL holds: a first epoch for an event
   * never seen, the next one for a state that was lost. Does nothing when the state is there.
   */
  restore(eventId: string, settings: QueueSettings, now: number): Promise<void> {
    return this.once(`${eventId}:restore`, async () => {
      const row = await this.frontiers.openEpoch(eventId)
      // Granted since the last snapshot, at most: up to the admission ceiling.
      const unknown = row.admissionCeiling - row.admitted
      const inside = row.admissions.filter(([expiresAt]) => expiresAt > now)
      if (unknown > 0) inside.push([now + this.options.admissionTtlMs, unknown])
      await this.commands.queueRestore(
        queueKeys.meta(eventId),
        queueKeys.users(eventId),
        queueKeys.admissions(eventId),
        row.epoch,
        settings.state,
        settings.admissionRatePerSec,
        settings.maxActive,
        row.servingNumber,
        row.numberCeiling,
        row.admissionCeiling,
        row.preQueue?.seed ?? '',
        row.preQueue?.size ?? 0,
        ...inside.flat(),
      )
      this.announced.delete(eventId)
      await this.announce(eventId)
    })
  }

  /** Has PostgreSQL record a higher ceiling first, then lets Redis use it. */
  private reserve(eventId: string, ceiling: Ceiling, atLeast: number): Promise<void> {
    return this.once(`${eventId}:${ceiling}`, async () => {
      const value = await this.frontiers.reserve(eventId, ceiling, atLeast)
      await this.commands.queueRaise(
        queueKeys.meta(eventId),
        ceiling === 'numberCeiling' ? 'ceil' : 'aceil',
        value,
      )
    })
  }

  async join(eventId: string, userId: string, defaults: QueueSettings, now: number): Promise<JoinResult> {
    await this.announce(eventId)
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const reply = (await this.commands.queueJoin(
        queueKeys.meta(eventId),
        queueKeys.users(eventId),
        queueKeys.live(eventId, livenessBucket(now, this.options.graceMs)),
        userField(userId),
        Math.floor(now / 1000),
        this.liveTtlMs(),
      )) as number[]
      const [number = -1, issuedAt = 0, created = 0, epoch = 0] = reply
      if (number === -1) await this.restore(eventId, defaults, now)
      else if (number === -2) await this.reserve(eventId, 'numberCeiling', issuedAt + numberBlock)
      else return { number, issuedAt, created: created === 1, epoch }
    }
    throw new Error(`no number for a join after ${maxAttempts} attempts`)
  }

  async frontier(eventId: string, now: number): Promise<Frontier | null> {
    const reply = (await this.commands.queueFrontier(
      queueKeys.meta(eventId),
      queueKeys.admissions(eventId),
      now,
    )) as [string, string, string, string, string, number, string, string, string] | null
    if (!reply) return null
    const [state, serving, last, rate, max, active, preQueueSeed, preQueueSize, epoch] = reply
    return {
      state: roomStates.includes(state as RoomState) ? (state as RoomState) : 'closed',
      epoch: Number(epoch),
      servingNumber: Number(serving),
      lastNumber: Number(last),
      admissionRatePerSec: Number(rate),
      maxActive: Number(max),
      active,
      preQueue: preQueueSeed ? { seed: preQueueSeed, size: Number(preQueueSize) } : null,
    }
  }

  /** What is written to PostgreSQL every second; null when the state is lost. */
  async snapshot(eventId: string, now: number): Promise<FrontierSnapshot | null> {
    const reply = (await this.commands.queueSnapshot(
      queueKeys.meta(eventId),
      queueKeys.admissions(eventId),
      now,
    )) as [string, string, string, string, string, string, (string | number)[]] | null
    if (!reply) return null
    const [epoch, last, serving, admitted, preQueueSeed, preQueueSize, groups] = reply
    const admissions: [number, number][] = []
    for (let i = 0; i + 1 < groups.length; i += 2) admissions.push([Number(groups[i]), Number(groups[i + 1])])
    return {
      epoch: Number(epoch),
      lastNumber: Number(last),
      servingNumber: Number(serving),
      admitted: Number(admitted),
      admissions,
      preQueue: preQueueSeed ? { seed: preQueueSeed, size: Number(preQueueSize) } : null,
    }
  }

  async configure(eventId: string, changes: Partial<QueueSettings>, defaults: QueueSettings): Promise<void> {
    await this.announce(eventId)
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const done = await this.commands.queueConfigure(
        queueKeys.meta(eventId),
        changes.state ?? '',
        changes.admissionRatePerSec ?? '',
        changes.maxActive ?? '',
      )
      if (done === 1) return
      await this.restore(eventId, defaults, Date.now())
    }
    throw new Error(`configure found no state after ${maxAttempts} attempts`)
  }

  async advance(
    eventId: string,
    now: number,
    options: { maxSteps: number; maxElapsedMs: number },
  ): Promise<AdvanceResult> {
    const bucket = livenessBucket(now, this.options.graceMs)
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

  async admit(
    eventId: string,
    admissionId: string,
    expiresAt: number,
    now: number,
    epoch: number,
  ): Promise<number | null | 'reset'> {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const [status, value = 0, rate = 0, maxActive = 0] = (await this.commands.queueAdmit(
        queueKeys.meta(eventId),
        queueKeys.admissions(eventId),
        now,
        admissionId,
        expiresAt,
        epoch,
      )) as number[]
      if (status === 1) return value
      if (status === 0) return null
      // A state lost or made again since the ticket was signed: its number is of a line that is gone.
      if (status === -1) return 'reset'
      await this.reserve(eventId, 'admissionCeiling', value + admissionBlock(rate, maxActive))
    }
    throw new Error(`no admission after ${maxAttempts} attempts`)
  }
  async release(eventId: string, admissionId: string): Promise<void> {
    await this.redis.zrem(queueKeys.admissions(eventId), admissionId)
  }

  async touch(eventId: string, numbers: readonly number[], now: number): Promise<void> {
    const key = queueKeys.live(eventId, livenessBucket(now, this.options.graceMs))
    for (let i = 0; i < numbers.length; i += touchChunk) {
      await this.commands.queueTouch(key, this.liveTtlMs(), ...numbers.slice(i, i + touchChunk))
    }
  }

  async sealPreQueue(eventId: string, seed: string, now: number): Promise<PreQueueSeal> {
    const [sealedSeed, size] = (await this.commands.queuePreQueueSeal(
      queueKeys.meta(eventId),
      queueKeys.live(eventId, livenessBucket(now, this.options.graceMs)),
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
