import type { FrontierStore } from './queue-frontiers.repository.ts'
import type { RedisQueueState } from './queue-state.redis.ts'
import type { Clock, QueueSettings } from './queue-state.types.ts'

/** Bound on the events remembered, so a flood of events cannot grow memory. */
const maxKnown = 10_000

/**
 * Writes every event's frontier from Redis to PostgreSQL, once a second on the ticker's leader,
 * and makes again at once the state of an event it wrote before and finds lost, so that old
 * tickets are told to join again without waiting for someone to join first.
 */
export class FrontierPersister {
  private readonly known = new Set<string>()

  constructor(
    private readonly state: RedisQueueState,
    private readonly store: FrontierStore,
    private readonly settingsOf: (eventId: string) => Promise<QueueSettings | null>,
    private readonly clock: Clock,
  ) {}

  /** One round; an event that fails does not hold up the others, and the first failure is thrown. */
  async persist(): Promise<void> {
    let failure: unknown = null
    for (const eventId of new Set([...(await this.state.trackedEvents()), ...this.known])) {
      try {
        await this.persistOne(eventId)
      } catch (error) {
        failure ??= error
      }
    }
    if (failure) throw failure
  }

  private async persistOne(eventId: string): Promise<void> {
    const now = this.clock()
    const snapshot = await this.state.snapshot(eventId, now)
    if (snapshot) {
      await this.store.save(eventId, snapshot)
      if (this.known.size < maxKnown) this.known.add(eventId)
      return
    }
    if (!this.known.has(eventId)) return
    const settings = await this.settingsOf(eventId)
    if (settings) await this.state.restore(eventId, settings, now)
  }
}
