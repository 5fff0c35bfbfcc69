import { asc, eq } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'
import { type EventRow, events, type NewEventRow } from './events.tables.ts'

/** A transaction or the database itself: what another module's work in the same transaction gets. */
export type Executor = Pick<Db, 'execute'>

/** Every query about events. */
export class EventsRepository {
  constructor(private readonly db: Db) {}

  /** Inserts the event and runs `alongside` in the same transaction: both happen, or neither. */
  async insert(
    event: NewEventRow,
    alongside: (tx: Executor, row: EventRow) => Promise<void>,
  ): Promise<EventRow> {
    return guard(
      this.db.transaction(async (tx) => {
        const [row] = await tx.insert(events).values(event).returning()
        if (!row) throw new Error('insert returned no row')
        await alongside(tx, row)
        return row
      }),
    )
  }

  /** Changes the waiting-room settings; undefined when there is no such event. */
  async updateQueue(
    id: string,
    changes: Partial<Pick<EventRow, 'queueState' | 'admissionRatePerSec' | 'maxActive' | 'queuePow'>>,
  ): Promise<EventRow | undefined> {
    const [row] = await guard(this.db.update(events).set(changes).where(eq(events.id, id)).returning())
    return row
  }

  async findById(id: string): Promise<EventRow | undefined> {
    const [row] = await guard(this.db.select().from(events).where(eq(events.id, id)).limit(1))
    return row
  }

  list(limit: number, offset: number): Promise<EventRow[]> {
    return guard(
      this.db
        .select()
        .from(events)
        .orderBy(asc(events.salesOpenAt), asc(events.id))
        .limit(limit)
        .offset(offset),
    )
  }

  async count(): Promise<number> {
    return guard(this.db.$count(events))
  }
}
