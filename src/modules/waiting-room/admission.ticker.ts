import type { QueueMetrics } from './queue.metrics.ts'
import type { Clock, QueueState } from './queue-state.types.ts'

export interface TickerOptions {
  /** Unique per process: who holds the lease. */
  holder: string
  leaseTtlMs: number
  /** Bound on numbers looked at per event per tick, so one tick never blocks Redis for long. */
  maxSteps: number
  /** A leader that was away longer than this does not admit the whole gap at once. */
  maxElapsedMs: number
}

/**
 * The admission ticker: the process holding the lease calls the next numbers of every event at
 * the event's rate. Any number of processes may run it; one leads at a time.
 */
export class AdmissionTicker {
  private leading = false

  constructor(
    private readonly state: QueueState,
    private readonly events: () => Promise<string[]>,
    private readonly clock: Clock,
    private readonly options: TickerOptions,
    private readonly metrics?: QueueMetrics,
  ) {}

  isLeader(): boolean {
    return this.leading
  }

  /** One tick: take or renew the lease, then advance every event. */
  async tick(now = this.clock()): Promise<void> {
    this.leading = await this.state.acquireLease(this.options.holder, this.options.leaseTtlMs)
    if (!this.leading) return
    for (const eventId of await this.events()) {
      const result = await this.state.advance(eventId, now, this.options)
      if (result.admitted > 0) this.metrics?.admitted.inc({ event_id: eventId }, result.admitted)
      if (result.skipped > 0) this.metrics?.skipped.inc({ event_id: eventId }, result.skipped)
    }
  }
}
