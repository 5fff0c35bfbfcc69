import type { PreQueueSeal } from './prequeue.shuffle.ts'

/** The shared state of every event's waiting room, behind one interface: in-process or Redis. */

export const roomStates = ['open', 'paused', 'closed'] as const
export type RoomState = (typeof roomStates)[number]

/** Milliseconds since the epoch; injected so that tests drive time without sleeping. */
export type Clock = () => number

export interface QueueSettings {
  state: RoomState
  admissionRatePerSec: number
  maxActive: number
}

/** What every process needs to answer status polls: read a few times a second, never per poll. */
export interface Frontier extends QueueSettings {
  /**
   * Which life of the shared state this is: it goes up each time the state is created again after
   * being lost, and a ticket of an older epoch holds a number of a line that no longer exists.
   */
  epoch: number
  /** Every number up to and including this one may enter. */
  servingNumber: number
  /** The last number handed out. */
  lastNumber: number
  /** Unexpired admissions, counted against `maxActive`. */
  active: number
  /** Set once at the opening of a sale that shuffles its pre-queue; ranks are in shuffled order after it. */
  preQueue: PreQueueSeal | null
}

export interface JoinResult {
  number: number
  /** Seconds since the epoch of the first join, so that joining again yields the same ticket. */
  issuedAt: number
  created: boolean
  /** The epoch the number belongs to; the ticket carries it. */
  epoch: number
}

export interface AdvanceResult {
  servingNumber: number
  /** Numbers let in whose holders were still polling. */
  admitted: number
  /** Numbers passed over because their holders stopped polling. */
  skipped: number
}

export interface QueueState {
  /**
   * Set when one epoch holds for every event: the state lives in this process and dies with it.
   * Absent when each event has an epoch of its own in the shared state.
   */
  readonly processEpoch?: number
  /** Atomically hands out the event's next number, or the number this user already holds. */
  join(eventId: string, userId: string, defaults: QueueSettings, now: number): Promise<JoinResult>
  /** Null when nobody has joined or configured this event yet. */
  frontier(eventId: string, now: number): Promise<Frontier | null>
  configure(eventId: string, changes: Partial<QueueSettings>, defaults: QueueSettings): Promise<void>
  /** The leader's tick: lets in `rate × elapsed` live numbers, never past `maxActive` admissions. */
  advance(
    eventId: string,
    now: number,
    options: { maxSteps: number; maxElapsedMs: number },
  ): Promise<AdvanceResult>
  /**
   * Counts an admission until `expiresAt` and answers its expiry. An admission id still counted is
   * the same admission: it answers the expiry it already has and takes no second place. Null when
   * `maxActive` admissions are already out; 'reset' when the ticket's `epoch` is not the state's.
   */
  admit(
    eventId: string,
    admissionId: string,
    expiresAt: number,
    now: number,
    epoch: number,
  ): Promise<number | null | 'reset'>
  release(eventId: string, admissionId: string): Promise<void>
  /** Records, in one batch, that these numbers' holders are still polling. */
  touch(eventId: string, numbers: readonly number[], now: number): Promise<void>
  /** Every event with a waiting room, across processes. */
  trackedEvents(): Promise<string[]>
  /** Takes or renews the ticker's lease; true while this holder leads. */
  acquireLease(holder: string, ttlMs: number): Promise<boolean>
  /**
   * Fixes the pre-queue at the sale's opening: its size (every number handed out so far) and the
   * seed of its one shuffle. Only the first call counts; later ones return that first seal. The
   * pre-queue counts as polling for a grace period, since its liveness was recorded by number.
   */
  sealPreQueue(eventId: string, seed: string, now: number): Promise<PreQueueSeal>
  /** Drops one event's state (tests and operators). */
  reset(eventId: string): Promise<void>
}

/**
 * Liveness is kept in time buckets `graceMs` wide: a number seen in the current or the previous
 * bucket is live. One bit per number per bucket keeps a crowd of 300,000 at ~37 KB a bucket.
 */
export function livenessBucket(now: number, graceMs: number): number {
  return Math.floor(now / graceMs)
}
