import type { Clock, Frontier, QueueState } from './queue-state.types.ts'

export interface CachedFrontier {
  frontier: Frontier
  /** When the frontier was last read from the shared state. */
  refreshedAt: number
}

/**
 * Each process's copy of every event's frontier, refreshed from the shared state a few times a
 * second, so that status polls are answered from memory. Numbers only move forward here: a
 * lagging read can never make a user's position go up.
 */
export class FrontierCache {
  private readonly entries = new Map<string, CachedFrontier>()
  private readonly tracked = new Set<string>()
  private refreshes = 0

  constructor(
    private readonly state: QueueState,
    private readonly clock: Clock,
    /** How many refreshes between re-reading the list of events from the shared state. */
    private readonly listEvery = 8,
    /** Bound on the events held, so a flood of unknown ids cannot grow memory. */
    private readonly maxEvents = 10_000,
  ) {}

  get(eventId: string): CachedFrontier | undefined {
    return this.entries.get(eventId)
  }

  /** Asks for this event to be refreshed from now on. */
  track(eventId: string): void {
    if (this.tracked.size < this.maxEvents) this.tracked.add(eventId)
  }

  eventIds(): string[] {
    return [...this.tracked]
  }

  /** Reads one event's frontier now; null when the shared state has none. */
  async load(eventId: string): Promise<CachedFrontier | null> {
    this.track(eventId)
    const frontier = await this.state.frontier(eventId, this.clock())
    return frontier ? this.store(eventId, frontier) : null
  }

  /** Refreshes every tracked event; an event that fails keeps its last frontier and ages. */
  async refresh(): Promise<{ failed: number }> {
    if (this.refreshes++ % this.listEvery === 0) {
      try {
        for (const id of await this.state.trackedEvents()) this.track(id)
      } catch {
        // The list is re-read on a later refresh; the events known so far still refresh.
      }
    }
    const results = await Promise.allSettled(this.eventIds().map((id) => this.load(id)))
    return { failed: results.filter((r) => r.status === 'rejected').length }
  }

  /** The age in ms of the oldest frontier held; 0 when none. */
  oldestAgeMs(): number {
    const now = this.clock()
    let oldest = 0
    for (const entry of this.entries.values()) oldest = Math.max(oldest, now - entry.refreshedAt)
    return oldest
  }

  private store(eventId: string, frontier: Frontier): CachedFrontier {
    const previous = this.entries.get(eventId)?.frontier
    const merged: Frontier = previous
      ? {
          ...frontier,
          epoch: Math.max(frontier.epoch, previous.epoch),
          servingNumber: Math.max(frontier.servingNumber, previous.servingNumber),
          lastNumber: Math.max(frontier.lastNumber, previous.lastNumber),
          // A seal never comes undone; a lagging replica may not have it yet.
          preQueue: frontier.preQueue ?? previous.preQueue,
        }
      : frontier
    const entry = { frontier: merged, refreshedAt: this.clock() }
    this.entries.set(eventId, entry)
    return entry
  }
}

/**
 * Liveness seen by this process's status polls, flushed to the shared state in one batch per
 * event per refresh instead of one write per poll.
 */
export class LivenessBuffer {
  private readonly pending = new Map<string, Set<number>>()
  private size = 0

  /** Bound on numbers held between flushes; beyond it a poll is recorded on its next visit. */
  constructor(private readonly maxPending = 500_000) {}

  record(eventId: string, number: number): void {
    if (this.size >= this.maxPending) return
    let numbers = this.pending.get(eventId)
    if (!numbers) {
      numbers = new Set()
      this.pending.set(eventId, numbers)
    }
    const before = numbers.size
    numbers.add(number)
    this.size += numbers.size - before
  }

  async flush(state: QueueState, now: number): Promise<void> {
    const batches = [...this.pending]
    this.pending.clear()
    this.size = 0
    await Promise.all(
      batches.map(async ([eventId, numbers]) => {
        try {
          await state.touch(eventId, [...numbers], now)
        } catch {
          // Keep them for the next flush: an outage must not make everyone look gone.
          for (const n of numbers) this.record(eventId, n)
        }
      }),
    )
  }
}
