import { sql } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'
import type { PreQueueSeal } from './prequeue.shuffle.ts'
import { queueFrontiers } from './queue.tables.ts'

/** One event's shared state as last written to PostgreSQL, what a new epoch is restored from. */
export interface PersistedFrontier {
  epoch: number
  lastNumber: number
  numberCeiling: number
  servingNumber: number
  admitted: number
  admissionCeiling: number
  /** Unexpired admissions as [expiresAt ms, count] pairs. */
  admissions: [number, number][]
  preQueue: PreQueueSeal | null
}

/** A moment's view of one event's shared state, written every second. */
export type FrontierSnapshot = Omit<PersistedFrontier, 'numberCeiling' | 'admissionCeiling'>

export type Ceiling = 'numberCeiling' | 'admissionCeiling'

/** Where the waiting room keeps what Redis must not forget; PostgreSQL in the app, a map in tests. */
export interface FrontierStore {
  /**
   * Starts the event's next epoch and answers the row it starts from: epoch 1 with nothing issued
   * for an event never seen before.
   */
  openEpoch(eventId: string): Promise<PersistedFrontier>
  /** Raises a ceiling to at least `atLeast`; answers the ceiling now recorded. */
  reserve(eventId: string, ceiling: Ceiling, atLeast: number): Promise<number>
  /** Records a snapshot; counters only move forward, and the epoch only up. */
  save(eventId: string, snapshot: FrontierSnapshot): Promise<void>
}

/** The frontier store on the `queue_frontiers` table. */
export class QueueFrontiersRepository implements FrontierStore {
  constructor(private readonly db: Db) {}

  async openEpoch(eventId: string): Promise<PersistedFrontier> {
    const [row] = await guard(
      this.db
        .insert(queueFrontiers)
        .values({ eventId })
        .onConflictDoUpdate({
          target: queueFrontiers.eventId,
          set: { epoch: sql`${queueFrontiers.epoch} + 1`, updatedAt: sql`now()` },
        })
        .returning(),
    )
    if (!row) throw new Error('opening an epoch returned no row')
    return {
      epoch: row.epoch,
      lastNumber: row.lastNumber,
      numberCeiling: row.numberCeiling,
      servingNumber: row.servingNumber,
      admitted: row.admitted,
      admissionCeiling: row.admissionCeiling,
      admissions: row.admissions,
      preQueue: row.preQueue ?? null,
    }
  }

  async reserve(eventId: string, ceiling: Ceiling, atLeast: number): Promise<number> {
    const column = queueFrontiers[ceiling]
    const [row] = await guard(
      this.db
        .insert(queueFrontiers)
        .values({ eventId, [ceiling]: atLeast })
        .onConflictDoUpdate({
          target: queueFrontiers.eventId,
          set: { [ceiling]: sql`GREATEST(${column}, ${atLeast})`, updatedAt: sql`now()` },
        })
        .returning({ value: column }),
    )
    if (!row) throw new Error('reserving a ceiling returned no row')
    return row.value
  }

  async save(eventId: string, snapshot: FrontierSnapshot): Promise<void> {
    const t = queueFrontiers
    await guard(
      this.db
        .insert(t)
        .values({ eventId, ...snapshot })
        .onConflictDoUpdate({
          target: t.eventId,
          set: {
            epoch: sql`GREATEST(${t.epoch}, ${snapshot.epoch})`,
            lastNumber: sql`GREATEST(${t.lastNumber}, ${snapshot.lastNumber})`,
            servingNumber: sql`GREATEST(${t.servingNumber}, ${snapshot.servingNumber})`,
            admitted: sql`GREATEST(${t.admitted}, ${snapshot.admitted})`,
            // A snapshot taken before the state was restored must not replace the restored admissions.
            admissions: sql`CASE WHEN ${snapshot.epoch} >= ${t.epoch} THEN ${JSON.stringify(snapshot.admissions)}::jsonb ELSE ${t.admissions} END`,
            preQueue: sql`COALESCE(${t.preQueue}, ${snapshot.preQueue ? JSON.stringify(snapshot.preQueue) : null}::jsonb)`,
            updatedAt: sql`now()`,
          },
        }),
    )
  }
}
