import type { PreQueueSeal } from './prequeue.shuffle.ts'
import {
  type AdvanceResult,
  type Frontier,
  type JoinResult,
  livenessBucket,
  type QueueSettings,
  type QueueState,
} from './queue-state.types.ts'

interface RoomRecord {
  settings: QueueSettings
  serving: number
  last: number
  tick: number | null
  credit: number
  users: Map<string, { number: number; issuedAt: number }>
  admissions: Map<string, number>
  live: Map<number, Set<number>>
  preQueue: PreQueueSeal | null
}

/** Queue state in this process: the embedded default, with the same semantics as the Redis one. */
export class MemoryQueueState implements QueueState {
  private readonly rooms = new Map<string, RoomRecord>()

  constructor(
    private readonly graceMs: number,
    /**
     * The process's start: tickets signed before a restart carry an older epoch and are answered
     * "join again", since the numbers they hold are handed out afresh.
     */
    readonly processEpoch: number = Date.now(),
  ) {}

  private room(eventId: string, defaults: QueueSettings): RoomRecord {
    let room = this.rooms.get(eventId)
    if (!room) {
      room = {
        settings: { ...defaults },
        serving: 0,
        last: 0,
        tick: null,
        credit: 0,
        users: new Map(),
        admissions: new Map(),
        live: new Map(),
        preQueue: null,
      }
      this.rooms.set(eventId, room)
    }
    return room
  }

  private mark(room: RoomRecord, numbers: readonly number[], now: number): void {
    const bucket = livenessBucket(now, this.graceMs)
    let seen = room.live.get(bucket)
    if (!seen) {
      seen = new Set()
      room.live.set(bucket, seen)
      // Only the current and previous buckets matter.
      for (const key of room.live.keys()) if (key < bucket - 1) room.live.delete(key)
    }
    for (const n of numbers) seen.add(n)
  }

  private isLive(room: RoomRecord, n: number, now: number): boolean {
    const bucket = livenessBucket(now, this.graceMs)
    return Boolean(room.live.get(bucket)?.has(n) || room.live.get(bucket - 1)?.has(n))
  }

  /**
   * Admissions are kept in the order they were granted, and all share one lifetime, so the expired
   * ones are at the front: stop at the first live one instead of walking every admission.
   */
  private activeCount(room: RoomRecord, now: number): number {
    for (const [id, expiresAt] of room.admissions) {
      if (expiresAt > now) break
      room.admissions.delete(id)
    }
    return room.admissions.size
  }

  async join(eventId: string, userId: string, defaults: QueueSettings, now: number): Promise<JoinResult> {
    const room = this.room(eventId, defaults)
    const held = room.users.get(userId)
    if (held) return { ...held, created: false, epoch: this.processEpoch }
    room.last += 1
    const entry = { number: room.last, issuedAt: Math.floor(now / 1000) }
    room.users.set(userId, entry)
    this.mark(room, [entry.number], now)
    return { ...entry, created: true, epoch: this.processEpoch }
  }

  async frontier(eventId: string, now: number): Promise<Frontier | null> {
    const room = this.rooms.get(eventId)
    if (!room) return null
    return {
      ...room.settings,
      epoch: this.processEpoch,
      servingNumber: room.serving,
      lastNumber: room.last,
      active: this.activeCount(room, now),
      preQueue: room.preQueue,
    }
  }

  async configure(eventId: string, changes: Partial<QueueSettings>, defaults: QueueSettings): Promise<void> {
    const room = this.room(eventId, defaults)
    for (const [key, value] of Object.entries(changes)) {
      if (value !== undefined) Object.assign(room.settings, { [key]: value })
    }
  }

  async advance(
    eventId: string,
    now: number,
    options: { maxSteps: number; maxElapsedMs: number },
  ): Promise<AdvanceResult> {
    const room = this.rooms.get(eventId)
    if (!room) return { servingNumber: 0, admitted: 0, skipped: 0 }
    const { state, admissionRatePerSec: rate, maxActive } = room.settings
    if (state !== 'open') {
      room.tick = now
      room.credit = 0
      return { servingNumber: room.serving, admitted: 0, skipped: 0 }
    }
    const elapsed = Math.min(Math.max(now - (room.tick ?? now), 0), options.maxElapsedMs)
    let credit = room.credit + (rate * elapsed) / 1000
    const budget = Math.min(Math.floor(credit), maxActive - this.activeCount(room, now))
    let admitted = 0
    let skipped = 0
    let steps = 0
    while (admitted < budget && room.serving < room.last && steps < options.maxSteps) {
      const n = room.serving + 1
      steps += 1
      if (this.isLive(room, n, now)) admitted += 1
      else skipped += 1
      room.serving = n
    }
    credit = Math.max(0, Math.min(credit - admitted, Math.max(1, rate)))
    room.credit = credit
    room.tick = now
    return { servingNumber: room.serving, admitted, skipped }
  }

  async admit(
    eventId: string,
    admissionId: string,
    expiresAt: number,
    now: number,
    epoch: number,
  ): Promise<number | null | 'reset'> {
    if (epoch !== this.processEpoch) return 'reset'
    const room = this.rooms.get(eventId)
    if (!room) return null
    const active = this.activeCount(room, now)
    const held = room.admissions.get(admissionId)
    if (held !== undefined) return held
    if (active >= room.settings.maxActive) return null
    room.admissions.set(admissionId, expiresAt)
    return expiresAt
  }

  async release(eventId: string, admissionId: string): Promise<void> {
    this.rooms.get(eventId)?.admissions.delete(admissionId)
  }

  async touch(eventId: string, numbers: readonly number[], now: number): Promise<void> {
    const room = this.rooms.get(eventId)
    if (room) this.mark(room, numbers, now)
  }

  async sealPreQueue(eventId: string, seed: string, now: number): Promise<PreQueueSeal> {
    const room = this.rooms.get(eventId)
    if (!room) return { seed, size: 0 }
    if (!room.preQueue) {
      room.preQueue = { seed, size: room.last }
      this.mark(
        room,
        Array.from({ length: room.last }, (_, i) => i + 1),
        now,
      )
    }
    return room.preQueue
  }

  async trackedEvents(): Promise<string[]> {
    return [...this.rooms.keys()]
  }

  async acquireLease(): Promise<boolean> {
    // One process holds all the state, so it is always the leader.
    return true
  }

  async reset(eventId: string): Promise<void> {
    this.rooms.delete(eventId)
  }
}
