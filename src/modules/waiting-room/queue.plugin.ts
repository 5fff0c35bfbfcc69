import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import { PeriodicTasks } from '../../platform/process/periodic.task.ts'
import { deriveKey } from '../../platform/security/secrets.store.ts'
import { AdmissionTicker } from './admission.ticker.ts'
import { FrontierCache, LivenessBuffer } from './frontier.cache.ts'
import { FrontierPersister } from './frontier.persister.ts'
import { PowChallenges } from './pow.challenges.ts'
import { JoinPressure, PowGuard, powDefaults } from './pow.guard.ts'
import { MemoryReplayStore, RedisReplayStore } from './pow.replay.ts'
import { QueueMetrics } from './queue.metrics.ts'
import { QueueService, type RoomSettings, type RoomSettingsStore } from './queue.service.ts'
import { QueueFrontiersRepository } from './queue-frontiers.repository.ts'
import { MemoryQueueState } from './queue-state.memory.ts'
import { RedisQueueState } from './queue-state.redis.ts'
import type { Clock, QueueState } from './queue-state.types.ts'
import { TicketTokens } from './ticket.tokens.ts'

export interface WaitingRoomConfig {
  /** Ticker period in ms; 0 runs no timers (tests drive `tick` and `refresh` themselves). */
  tickMs: number
  /** Frontier refresh period in ms; 0 as above. */
  refreshMs: number
  /** A holder unseen for one to two of these is skipped when their number comes up. */
  graceMs: number
  admissionTtlSeconds: number
  ticketTtlSeconds: number
}

export interface WaitingRoom {
  service: QueueService
  state: QueueState
  cache: FrontierCache
  liveness: LivenessBuffer
  ticker: AdmissionTicker
  tickets: TicketTokens
  metrics: QueueMetrics
  /** Proof of work at join: when it is needed, its challenges, and their check. */
  pow: PowGuard
  /** Writes the frontiers that must survive Redis to PostgreSQL; null without Redis. */
  persister: FrontierPersister | null
  /** One refresh of this process's frontiers, with the batched liveness flush. */
  refresh(): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    waitingRoom: WaitingRoom
  }
}

export interface WaitingRoomPluginOptions {
  secret: string
  config: WaitingRoomConfig
  /** Whether this process keeps frontiers fresh (it serves status) and runs for ticker leader. */
  refresh: boolean
  tick: boolean
  clock?: Clock
}

/** Long enough to solve at the cap on a slow phone and then join, short enough that spent ones are few to keep. */
const powChallengeTtlMs = 120_000

/** The waiting room's services: shared queue state, frontier cache, ticker, tickets and admissions. */
export const waitingRoomPlugin = fp<WaitingRoomPluginOptions>(
  async (app, options) => {
    const clock = options.clock ?? (() => Date.now())
    const { config } = options
    // What Redis must not forget is kept in PostgreSQL too; in-process state dies with the process.
    const redisState = app.redis
      ? new RedisQueueState(app.redis, new QueueFrontiersRepository(app.database.db), {
          graceMs: config.graceMs,
          admissionTtlMs: config.admissionTtlSeconds * 1000,
        })
      : null
    const state: QueueState = redisState ?? new MemoryQueueState(config.graceMs)
    const cache = new FrontierCache(state, clock)
    const metrics = new QueueMetrics(app.metrics, () => cache.oldestAgeMs() / 1000)
    const liveness = new LivenessBuffer()
    const tickets = new TicketTokens(
      deriveKey(options.secret, 'queue-ticket'),
      config.ticketTtlSeconds,
      clock,
      (reason) => metrics.refusedTicket(reason),
    )
    // Spent solutions are shared by every replica on Redis, so a solution buys one join anywhere.
    const pow = new PowGuard(
      new PowChallenges(
        deriveKey(options.secret, 'queue-pow'),
        powChallengeTtlMs,
        clock,
        app.redis ? new RedisReplayStore(app.redis) : new MemoryReplayStore(),
      ),
      new JoinPressure(),
      powDefaults,
      (outcome) => metrics.powChecked.inc({ outcome }),
    )
    const service = new QueueService(
      state,
      cache,
      liveness,
      tickets,
      app.admissions.tokens,
      eventsSettingsStore(app.events),
      clock,
      {
        admissionTtlSeconds: config.admissionTtlSeconds,
        staleAfterMs: 1500,
        settingsTtlMs: 5000,
        stockTtlMs: 1000,
        // Half the grace period: a user who polls as asked is never taken for gone.
        maxPollMs: Math.min(60_000, Math.floor(config.graceMs / 2)),
      },
      metrics,
    )
    const ticker = new AdmissionTicker(
      state,
      () => service.eventsToTick(),
      clock,
      { holder: randomUUID(), leaseTtlMs: 3000, maxSteps: 50_000, maxElapsedMs: 1000 },
      metrics,
    )
    const persister = redisState
      ? new FrontierPersister(
          redisState,
          new QueueFrontiersRepository(app.database.db),
          (eventId) => service.roomSettings(eventId),
          clock,
        )
      : null
    const refresh = async () => {
      await liveness.flush(state, clock())
      await cache.refresh()
      await service.refreshStock()
      service.preparePreQueues()
      service.observe()
      const now = clock()
      for (const id of cache.eventIds()) {
        const frontier = cache.get(id)?.frontier
        if (frontier) pow.pressure.sample(id, frontier.lastNumber, now)
      }
    }
    app.decorate<WaitingRoom>('waitingRoom', {
      service,
      state,
      cache,
      liveness,
      ticker,
      tickets,
      metrics,
      pow,
      persister,
      refresh,
    })
    // Admissions are counted in this room's shared state, so a completed order is handed back here.
    app.admissions.countIn({ release: (admission) => service.release(admission) })

    const tasks = new PeriodicTasks(app.log)
    app.addHook('onReady', async () => {
      if (options.refresh && config.refreshMs > 0)
        tasks.start('waiting room refresh', config.refreshMs, refresh)
      if (options.tick && config.tickMs > 0)
        tasks.start('admission ticker', config.tickMs, () => ticker.tick())
      // Once a second, by the ticker's leader.
      if (persister && options.tick && config.tickMs > 0)
        tasks.start('frontier persistence', 1000, async () => {
          if (ticker.isLeader()) await persister.persist()
        })
    })
    app.addHook('onClose', () => tasks.stopAll())
  },
  { name: 'waiting-room', dependencies: ['admission', 'database', 'events', 'metrics', 'redis'] },
)

function eventsSettingsStore(events: import('../events/events.service.ts').EventsService): RoomSettingsStore {
  const toSettings = (event: Awaited<ReturnType<typeof events.get>>): RoomSettings => ({
    enabled: event.queue.enabled,
    state: event.queue.state,
    admissionRatePerSec: event.queue.admissionRatePerSec,
    maxActive: event.queue.maxActive,
    salesOpenAt: new Date(event.salesOpenAt),
    shuffleAtOpen: event.queue.shuffleAtOpen,
    pow: event.queue.pow,
  })
  const orNull = async (work: Promise<Awaited<ReturnType<typeof events.get>>>) => {
    try {
      return toSettings(await work)
    } catch (error) {
      if (error instanceof AppError && error.code === 'BW_EVENT_NOT_FOUND') return null
      throw error
    }
  }
  return {
    get: (eventId) => orNull(events.get(eventId)),
    update: (eventId, changes) => orNull(events.updateQueue(eventId, changes)),
    remaining: async (eventId) => (await events.remaining(eventId)) ?? null,
  }
}
