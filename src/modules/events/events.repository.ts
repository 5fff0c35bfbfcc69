import { asc, eq } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'
import { type EventRow, events, type NewEventRow } from './events.tables.ts'

/** Every query about events. */
export class EventsRepository {
  constructor(private readonly db: Db) {}

  async insert(event: NewEventRow): Promise<EventRow> {
    const [row] = await guard(this.db.insert(events).values(event).returning())
    if (!row) throw new Error('insert returned no row')
    return row
  }

  /** Changes the waiting-room settings; undefined when there is no such event. */
  async updateQueue(
    id: string,
    changes: Partial<Pick<EventRow, 'queueState' | 'admissionRatePerSec' | 'maxActive'>>,
  ): Promise<EventRow | undefined> {
    const [row] = await guard(this.db.update(events).set(changes).where(eq(events.id, id)).returning())
    return row
  }

  async findById(id: string): Promise<EventRow | undefined> {
    const [row] = await guard(this.db.select().from(events).where(eq(events.id, id)).limit(1))
    return row
  }

  /** Units neither sold nor held; undefined when there is no such event. */
  async remaining(id: string): Promise<number | undefined> {
    const [row] = await guard(
      this.db
        .select({ capacity: events.capacity, sold: events.sold })
        .from(events)
        .where(eq(events.id, id))
        .limit(1),
    )
    return row ? row.capacity - row.sold : undefined
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
