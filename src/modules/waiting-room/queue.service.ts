import { randomBytes } from 'node:crypto'
import { guardRedis } from '../../platform/data/redis.client.ts'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { AdmissionTokens } from '../../platform/security/admission.tokens.ts'
import type { CachedFrontier, FrontierCache, LivenessBuffer } from './frontier.cache.ts'
import type { PowMode } from './pow.guard.ts'
import { PreQueueOrder, type PreQueueSeal } from './prequeue.shuffle.ts'
import type { QueueMetrics } from './queue.metrics.ts'
import type { Clock, QueueSettings, QueueState, RoomState } from './queue-state.types.ts'
import { RefreshingCache } from './refreshing.cache.ts'
import type { TicketTokens } from './ticket.tokens.ts'

/** An event's waiting-room settings as the system of record (the events table) holds them. */
export interface RoomSettings extends QueueSettings {
  enabled: boolean
  salesOpenAt: Date
  shuffleAtOpen: boolean
  /** Whether a join must carry a solved proof-of-work challenge. */
  pow: PowMode
}

/** What an operator may change of a room while it runs. */
export type RoomChanges = Partial<QueueSettings> & { pow?: PowMode }

/** Where the settings live; the events module in the app, a map in tests. */
export interface RoomSettingsStore {
  get(eventId: string): Promise<RoomSettings | null>
  update(eventId: string, changes: RoomChanges): Promise<RoomSettings | null>
  /** Units still for sale (not sold, not held); null for an unknown event. */
  remaining(eventId: string): Promise<number | null>
}

export interface QueueServiceOptions {
  admissionTtlSeconds: number
  /** A frontier older than this is reported as stale. */
  staleAfterMs: number
  /** How long event settings are reused before being read again. */
  settingsTtlMs: number
  /** How long an event's remaining stock is reused before being read again. */
  stockTtlMs: number
  /** The longest a waiting user is asked to wait between polls; under the liveness grace period. */
  maxPollMs: number
}

export interface PlaceView {
  state: 'waiting' | 'admitted' | 'closed'
  number: number
  position: number
  servingNumber: number
  etaSeconds: number
  pollAfterMs: number
  /** In a pre-queue that is shuffled at the opening: `position` is how many share it, not a place. */
  preQueue: boolean
  /** Nothing left to sell: nobody is called until stock comes back (a hold expires or is released). */
  soldOut: boolean
  stale: boolean
}

/**
 * What a 409 on enter tells the person. `position` 1 is next in line, so the people ahead are one
 * fewer, as the waiting-room page counts them; in a pre-queue it is the crowd the draw shuffles.
 */
function notYetDetail({ position, preQueue }: PlaceView): string {
  if (preQueue) return `your place is drawn when sales open (${position} in the pre-queue)`
  return `${Math.max(0, position - 1)} ahead of you`
}

export interface FrontierView {
  state: RoomState
  servingNumber: number
  lastNumber: number
  waiting: number
  admissionRatePerSec: number
  maxActive: number
  active: number
  soldOut: boolean
  stale: boolean
}

const maxSettingsCached = 10_000

/** A ticket's admission: numbers are unique per event, so the number names the one admission it may have. */
function admissionIdOf(number: number): string {
  return `n${number}`
}
/** How long the ticker waits for a fresh read of the stock before it goes on with the last one. */
const stockWaitMs = 250

/** The waiting room's rules: join, status, enter and the operator's controls. */
export class QueueService {
  private readonly settingsCache: RefreshingCache<RoomSettings | null>
  private readonly preQueueOrders = new Map<string, PreQueueOrder>()
  private readonly stock: RefreshingCache<number | null>

  constructor(
    private readonly state: QueueState,
    private readonly cache: FrontierCache,
    private readonly liveness: LivenessBuffer,
    private readonly tickets: TicketTokens,
    private readonly admissionTokens: AdmissionTokens,
    private readonly settingsStore: RoomSettingsStore,
    private readonly clock: Clock,
    private readonly options: QueueServiceOptions,
    private readonly metrics: QueueMetrics,
    /** Jitter source in [0, 1); injectable so tests can pin it. */
    private readonly random: () => number = Math.random,
  ) {
    this.settingsCache = new RefreshingCache(
      (eventId) => settingsStore.get(eventId),
      options.settingsTtlMs,
      clock,
      maxSettingsCached,
    )
    // A database too busy to answer keeps the last stock known: a sold-out room stays shut under
    // the very load that sold it out.
    this.stock = new RefreshingCache(
      (eventId, known) => settingsStore.remaining(eventId).catch(() => known ?? null),
      options.stockTtlMs,
      clock,
      maxSettingsCached,
    )
  }

  /**
   * The settings of an event that takes joins; throws what `join` would for one that does not:
   * unknown, without a room, or closed.
   */
  async assertJoinable(eventId: string): Promise<RoomSettings> {
    const settings = await this.openSettings(eventId)
    if ((this.cache.get(eventId)?.frontier.state ?? settings.state) === 'closed')
      throw new AppError('BW_QUEUE_CLOSED')
    return settings
  }

  /** `joinable`: the settings `assertJoinable` just returned, so that they are not read twice. */
  async join(
    eventId: string,
    userId: string,
    joinable?: RoomSettings,
  ): Promise<{ created: boolean; ticket: string } & PlaceView> {
    const settings = joinable ?? (await this.assertJoinable(eventId))
    const cached = this.cache.get(eventId)
    const joined = await guardRedis(this.state.join(eventId, userId, settings, this.clock()))
    this.cache.track(eventId)
    if (joined.created) this.metrics.joined.inc({ event_id: eventId })
    const ticket = this.tickets.sign({
      eventId,
      number: joined.number,
      userId,
      issuedAt: joined.issuedAt,
      epoch: joined.epoch,
    })
    return {
      created: joined.created,
      ticket,
      ...this.place(eventId, joined.number, cached, settings.admissionRatePerSec),
    }
  }

  /**
   * Answers a poll from this process's memory alone: no Redis, no database. A ticket of an epoch
   * older than the one this process last read is of a line that was lost: its holder joins again.
   */
  status(eventId: string, token: string | undefined): PlaceView {
    const cached = this.cache.get(eventId)
    const ticket = this.tickets.verify(token, { eventId, epoch: this.epochOf(cached) })
    if (!cached) this.cache.track(eventId)
    // Liveness is kept by place in line, which the ticker walks; before a shuffle, place is number.
    this.liveness.record(eventId, this.rankOf(eventId, ticket.number, cached))
    return this.place(eventId, ticket.number, cached, cached?.frontier.admissionRatePerSec ?? 1)
  }

  async enter(
    eventId: string,
    userId: string,
    token: string | undefined,
  ): Promise<{ admissionToken: string; expiresAt: string }> {
    let ticket: ReturnType<TicketTokens['verify']>
    try {
      ticket = this.tickets.verify(token, { eventId, userId, epoch: this.epochOf(this.cache.get(eventId)) })
    } catch (error) {
      this.metrics.enterRejected.inc({ reason: 'ticket' })
      throw error
    }
    let cached = this.cache.get(eventId)
    // The copy may lag by a refresh; ask the shared state before telling someone to wait.
    if (!cached || ticket.number > cached.frontier.servingNumber)
      cached = (await guardRedis(this.cache.load(eventId))) ?? undefined
    if (cached?.frontier.state === 'closed') {
      this.metrics.enterRejected.inc({ reason: 'closed' })
      throw new AppError('BW_QUEUE_CLOSED')
    }
    const place = this.place(eventId, ticket.number, cached, cached?.frontier.admissionRatePerSec ?? 1)
    if (place.state !== 'admitted') {
      this.metrics.enterRejected.inc({ reason: 'not_yet' })
      throw new AppError('BW_NOT_YET_ADMITTED', notYetDetail(place), {
        position: place.position,
        etaSeconds: place.etaSeconds,
        pollAfterMs: place.pollAfterMs,
      })
    }
    // One admission per ticket: entering again with it answers the admission already granted, so
    // one served ticket can never take more than one of the room's `maxActive` places.
    const now = this.clock()
    const expiresAt = (Math.floor(now / 1000) + this.options.admissionTtlSeconds) * 1000
    const granted = await guardRedis(
      this.state.admit(eventId, admissionIdOf(ticket.number), expiresAt, now, ticket.epoch),
    )
    if (granted === 'reset') {
      this.metrics.enterRejected.inc({ reason: 'ticket' })
      throw this.tickets.reset()
    }
    if (granted === null) {
      this.metrics.enterRejected.inc({ reason: 'full' })
      throw new AppError('BW_QUEUE_FULL', undefined, { retryAfterSeconds: 1 })
    }
    const { token: admissionToken, admission } = await this.admissionTokens.sign({
      eventId,
      userId,
      id: admissionIdOf(ticket.number),
      expiresAt: new Date(granted),
    })
    if (granted === expiresAt) this.metrics.entered.inc({ event_id: eventId })
    return { admissionToken, expiresAt: admission.expiresAt.toISOString() }
  }

  async release(admission: { id: string; eventId: string }): Promise<void> {
    await guardRedis(this.state.release(admission.eventId, admission.id))
  }

  async frontier(eventId: string): Promise<FrontierView> {
    let cached = this.cache.get(eventId)
    if (!cached) {
      const settings = await this.openSettings(eventId)
      cached = (await guardRedis(this.cache.load(eventId))) ?? {
        frontier: {
          ...settings,
          epoch: this.state.processEpoch ?? 0,
          servingNumber: 0,
          lastNumber: 0,
          active: 0,
          preQueue: null,
        },
        refreshedAt: this.clock(),
      }
    }
    return this.frontierView(eventId, cached)
  }

  async configure(eventId: string, changes: RoomChanges): Promise<FrontierView> {
    const settings = await this.settingsStore.update(eventId, changes)
    if (!settings) throw new AppError('BW_EVENT_NOT_FOUND')
    this.settingsCache.set(eventId, settings)
    // The proof-of-work mode lives with the event's settings alone; the shared state never sees it.
    const { pow: _pow, ...shared } = changes
    await guardRedis(this.state.configure(eventId, shared, settings))
    const cached = await guardRedis(this.cache.load(eventId))
    if (!cached) throw new Error('queue state has no frontier right after configure')
    this.metrics.admissionRate.set({ event_id: eventId }, cached.frontier.admissionRatePerSec)
    return this.frontierView(eventId, cached)
  }

  /** Events whose sale has opened: before it, joins form a pre-queue and nobody is called. */
  async eventsToTick(): Promise<string[]> {
    const now = this.clock()
    const ids: string[] = []
    // From the shared state, not this process's cache: a worker serves no polls and caches nothing.
    const known = new Set([...(await this.state.trackedEvents()), ...this.cache.eventIds()])
    for (const id of known) {
      const settings = await this.settingsOf(id).catch(() => null)
      if (!settings?.enabled || settings.salesOpenAt.getTime() > now) continue
      // Nobody is called into a shop with nothing to sell; the line moves again when stock comes back.
      if ((await this.remainingOf(id)) === 0) continue
      // The pre-queue is shuffled once, by the leader, before anyone in it is called.
      if (settings.shuffleAtOpen && !this.cache.get(id)?.frontier.preQueue) {
        await this.state.sealPreQueue(id, randomBytes(16).toString('hex'), now)
      }
      ids.push(id)
    }
    return ids
  }

  /**
   * Reads the remaining stock of every event this process answers for, at most once per
   * `stockTtlMs`, so that polls can say "sold out" without a database call of their own.
   */
  async refreshStock(): Promise<void> {
    for (const id of this.cache.eventIds()) await this.remainingOf(id)
  }

  /**
   * A fresh read is waited for briefly, so that a room whose stock just ran out stops calling at
   * the next tick; a database too busy to answer in that time does not hold the ticker up.
   */
  private remainingOf(eventId: string): Promise<number | null> {
    return this.stock.get(eventId, stockWaitMs)
  }

  private soldOut(eventId: string): boolean {
    return this.stock.peek(eventId) === 0
  }

  /** Publishes what this process last saw, for the gauges. */
  observe(): void {
    for (const id of this.cache.eventIds()) {
      const frontier = this.cache.get(id)?.frontier
      if (!frontier) continue
      this.metrics.waiting.set({ event_id: id }, Math.max(0, frontier.lastNumber - frontier.servingNumber))
      this.metrics.admissionRate.set({ event_id: id }, frontier.admissionRatePerSec)
    }
  }

  private async openSettings(eventId: string): Promise<RoomSettings> {
    const settings = await this.settingsOf(eventId)
    if (!settings) throw new AppError('BW_EVENT_NOT_FOUND')
    if (!settings.enabled) throw new AppError('BW_QUEUE_CLOSED', 'This event has no waiting room')
    return settings
  }

  private settingsOf(eventId: string): Promise<RoomSettings | null> {
    return this.settingsCache.get(eventId)
  }

  /** An event's room settings, null when it has no room; what a lost state is made again with. */
  async roomSettings(eventId: string): Promise<RoomSettings | null> {
    const settings = await this.settingsOf(eventId)
    return settings?.enabled ? settings : null
  }

  /** The epoch tickets must be of, as far as this process knows; undefined before it knows. */
  private epochOf(cached: CachedFrontier | undefined): number | undefined {
    return cached?.frontier.epoch ?? this.state.processEpoch
  }

  /**
   * Builds the shuffled order of every sealed pre-queue this process has seen. Called after each
   * frontier refresh, so that the status path finds it ready: for 300,000 people it takes ~30 ms,
   * which must not land on a poll.
   */
  preparePreQueues(): void {
    for (const id of this.cache.eventIds()) {
      const seal = this.cache.get(id)?.frontier.preQueue
      if (seal) this.preQueueOrder(id, seal)
    }
  }

  private preQueueOrder(eventId: string, seal: PreQueueSeal): PreQueueOrder {
    let order = this.preQueueOrders.get(eventId)
    if (order?.seal.seed !== seal.seed) {
      order = new PreQueueOrder(seal)
      if (this.preQueueOrders.size >= maxSettingsCached) this.preQueueOrders.clear()
      this.preQueueOrders.set(eventId, order)
    }
    return order
  }

  /** A number's place in line: its number, or its place in the shuffled pre-queue once sealed. */
  private rankOf(eventId: string, number: number, cached: CachedFrontier | null | undefined): number {
    const seal = cached?.frontier.preQueue
    if (!seal || number > seal.size) return number
    return this.preQueueOrder(eventId, seal).rankOf(number)
  }

  /**
   * Before a shuffling sale opens, the pre-queue has no order yet: everyone in it is told how many
   * share it, and the place that never goes up starts at the opening.
   */
  private awaitingShuffle(eventId: string, cached: CachedFrontier | null | undefined): boolean {
    const settings = this.settingsCache.peek(eventId)
    return Boolean(
      settings?.shuffleAtOpen && !cached?.frontier.preQueue && settings.salesOpenAt.getTime() > this.clock(),
    )
  }

  private place(
    eventId: string,
    number: number,
    cached: CachedFrontier | null | undefined,
    rate: number,
  ): PlaceView {
    const frontier = cached?.frontier
    const servingNumber = frontier?.servingNumber ?? 0
    const preQueue = this.awaitingShuffle(eventId, cached)
    const position = preQueue
      ? Math.max(number, frontier?.lastNumber ?? 0)
      : Math.max(0, this.rankOf(eventId, number, cached) - servingNumber)
    const state = position === 0 ? 'admitted' : frontier?.state === 'closed' ? 'closed' : 'waiting'
    const etaSeconds = Math.ceil(position / Math.max(rate, 1))
    const soldOut = this.soldOut(eventId)
    return {
      state,
      number,
      position,
      servingNumber,
      etaSeconds,
      pollAfterMs: this.pollAfter(etaSeconds, state, soldOut),
      preQueue,
      soldOut,
      stale: !cached || this.clock() - cached.refreshedAt > this.options.staleAfterMs,
    }
  }

  /**
   * Far back: poll rarely (half the expected wait, up to `maxPollMs`); near the front: every
   * second or two. Halving the wait each time costs a user a handful of polls for the whole line
   * (about log2 of the wait in seconds) while still catching the call within a second or so.
   * A sold-out room moves for nobody, so its line polls at the longest interval. ±20 % jitter
   * spreads 300,000 pollers so they never arrive in lockstep; at most 1.2 × `maxPollMs`, which
   * stays under the liveness grace period.
   */
  private pollAfter(etaSeconds: number, state: PlaceView['state'], soldOut: boolean): number {
    const longest = this.options.maxPollMs
    if (state === 'closed') return longest
    const base =
      state === 'admitted'
        ? 1000
        : soldOut
          ? longest
          : Math.min(longest, Math.max(1000, (etaSeconds * 1000) / 2))
    return Math.round(base * (0.8 + 0.4 * this.random()))
  }

  private frontierView(eventId: string, cached: CachedFrontier): FrontierView {
    const { frontier } = cached
    return {
      state: frontier.state,
      servingNumber: frontier.servingNumber,
      lastNumber: frontier.lastNumber,
      waiting: Math.max(0, frontier.lastNumber - frontier.servingNumber),
      admissionRatePerSec: frontier.admissionRatePerSec,
      maxActive: frontier.maxActive,
      active: frontier.active,
      soldOut: this.soldOut(eventId),
      stale: this.clock() - cached.refreshedAt > this.options.staleAfterMs,
    }
  }
}
