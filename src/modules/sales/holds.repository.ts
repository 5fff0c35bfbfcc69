import { sql } from 'drizzle-orm'
import type { Db } from '../../platform/data/database.client.ts'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import { enqueue } from '../outbox/outbox.writer.ts'
import { type Executor, rowsOf, transaction, uuidArray } from './sales.sql.ts'
import type { HoldState, SeatState } from './sales.tables.ts'

export interface HoldRecord {
  id: string
  eventId: string
  userId: string
  quantity: number
  seatIds: string[] | null
  unitPriceCents: number
  currency: string
  admissionId: string | null
  state: HoldState
  expiresAt: Date
}

export interface SeatRecord {
  id: string
  section: string
  row: string
  number: number
  state: SeatState
}

export interface NewHold {
  id: string
  eventId: string
  userId: string
  quantity: number
  seatIds: string[] | null
  perUserLimit: number
  unitPriceCents: number
  currency: string
  admissionId: string | null
  ttlSeconds: number
}

const holdColumns = sql`id, event_id AS "eventId", user_id AS "userId", quantity, seat_ids AS "seatIds",
  unit_price_cents AS "unitPriceCents", currency, admission_id AS "admissionId", state,
  expires_at AS "expiresAt"`

/**
 * Every query about seats and holds. Inventory lives in the sales engine's stock table (an
 * event's row, kind 'event') and in seat rows; both are changed only by conditional statements.
 * Lock order everywhere: allotments, then seats, then stock, so that no two transactions deadlock.
 */
export class HoldsRepository {
  /** Events whose seat rows this process knows exist; saves a statement per hold. */
  private readonly seated = new Set<string>()

  constructor(private readonly db: Db) {}

  /** Creates the seat rows of a seated event from its seat map, once; a no-op afterwards. */
  async ensureSeats(eventId: string): Promise<void> {
    if (this.seated.has(eventId)) return
    await rowsOf(
      this.db,
      sql`INSERT INTO seats (event_id, section, "row", number)
        SELECT e.id, s->>'name', r->>'name', n
        FROM events e,
          jsonb_array_elements(e.seat_map->'sections') s,
          jsonb_array_elements(s->'rows') r,
          generate_series(1, (r->>'seats')::int) n
        WHERE e.id = ${eventId} AND e.seat_map IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM seats WHERE event_id = ${eventId})
        ON CONFLICT DO NOTHING`,
    )
    // Bounded: one entry per seated event, and events are few.
    if (this.seated.size < 100_000) this.seated.add(eventId)
  }

  listSeats(eventId: string): Promise<SeatRecord[]> {
    return rowsOf(
      this.db,
      sql`SELECT id, section, "row", number, state FROM seats WHERE event_id = ${eventId}
        ORDER BY section, "row", number`,
    )
  }

  /**
   * Reserves stock and records the hold in one transaction. `guarded: false` is the lab's naive
   * read-then-write version, kept to show that the tests catch overselling.
   */
  async createHold(hold: NewHold, guarded: boolean): Promise<HoldRecord> {
    if (guarded && !hold.seatIds) return this.createGeneralHold(hold)
    return transaction(this.db, async (tx) => {
      // The per-user limit: one conditional upsert, so concurrent requests cannot both pass.
      const allotted = await rowsOf(
        tx,
        sql`INSERT INTO allotments (event_id, user_id, taken) VALUES (${hold.eventId}, ${hold.userId}, ${hold.quantity})
          ON CONFLICT (event_id, user_id) DO UPDATE SET taken = allotments.taken + EXCLUDED.taken
          WHERE allotments.taken + EXCLUDED.taken <= ${hold.perUserLimit}
          RETURNING taken`,
      )
      if (allotted.length === 0)
        throw new AppError(
          'BW_LIMIT_EXCEEDED',
          `At most ${hold.perUserLimit} tickets per person for this event`,
        )

      if (hold.seatIds) await this.claimSeats(tx, hold, guarded)
      const [row] = await rowsOf<HoldRecord>(
        tx,
        sql`INSERT INTO holds (id, event_id, user_id, quantity, seat_ids, unit_price_cents, currency, admission_id, expires_at)
          VALUES (${hold.id}, ${hold.eventId}, ${hold.userId}, ${hold.quantity},
            ${hold.seatIds ? uuidArray(hold.seatIds) : null}, ${hold.unitPriceCents}, ${hold.currency},
            ${hold.admissionId}, now() + ${hold.ttlSeconds} * interval '1 second')
          RETURNING ${holdColumns}`,
      )
      // Last, so that the stock row lock — the one every buyer queues for — is held only
      // from this statement to the commit.
      await this.takeStock(tx, hold.eventId, hold.quantity, guarded)
      if (!row) throw new Error('insert returned no row')
      return normalise(row)
    })
  }

  /**
   * General admission in one statement: the per-user allotment, the conditional stock update and
   * the hold row, each step running only if the one before succeeded. A sold-out answer after
   * the allotment was taken throws, and the transaction gives the allotment back.
   */
  private createGeneralHold(hold: NewHold): Promise<HoldRecord> {
    return transaction(this.db, async (tx) => {
      const [result] = await rowsOf<HoldRecord & { allotted: number }>(
        tx,
        sql`WITH allot AS (
            INSERT INTO allotments (event_id, user_id, taken) VALUES (${hold.eventId}, ${hold.userId}, ${hold.quantity})
            ON CONFLICT (event_id, user_id) DO UPDATE SET taken = allotments.taken + EXCLUDED.taken
            WHERE allotments.taken + EXCLUDED.taken <= ${hold.perUserLimit}
            RETURNING taken),
          taken AS (
            UPDATE stock SET sold = sold + ${hold.quantity}::int
            WHERE kind = 'event' AND id = ${hold.eventId} AND sold + ${hold.quantity}::int <= capacity
              AND EXISTS (SELECT 1 FROM allot)
            RETURNING sold),
          hold AS (
            INSERT INTO holds (id, event_id, user_id, quantity, unit_price_cents, currency, admission_id, expires_at)
            SELECT ${hold.id}::uuid, ${hold.eventId}::uuid, ${hold.userId}::uuid, ${hold.quantity}::int,
              ${hold.unitPriceCents}::int, ${hold.currency}::text, ${hold.admissionId}::text,
              now() + ${hold.ttlSeconds}::int * interval '1 second'
            WHERE EXISTS (SELECT 1 FROM taken)
            RETURNING ${holdColumns})
          SELECT a.allotted, hold.* FROM (SELECT count(*)::int AS allotted FROM allot) a LEFT JOIN hold ON true`,
      )
      if (!result?.allotted)
        throw new AppError(
          'BW_LIMIT_EXCEEDED',
          `At most ${hold.perUserLimit} tickets per person for this event`,
        )
      if (!result.id) throw new AppError('BW_SOLD_OUT')
      const { allotted: _, ...row } = result
      return normalise(row)
    })
  }

  private async claimSeats(tx: Executor, hold: NewHold, guarded: boolean): Promise<void> {
    const ids = hold.seatIds ?? []
    let claimed: { id: string }[]
    if (guarded) {
      // Row claims: locks taken in id order, and a seat another hold took meanwhile no longer matches.
      claimed = await rowsOf(
        tx,
        sql`UPDATE seats SET state = 'held', hold_id = ${hold.id}
          WHERE id IN (
            SELECT id FROM seats WHERE event_id = ${hold.eventId} AND id = ANY(${uuidArray(ids)})
              AND state = 'available' ORDER BY id FOR UPDATE)
          RETURNING id`,
      )
    } else {
      const free = await rowsOf<{ id: string }>(
        tx,
        sql`SELECT id FROM seats WHERE event_id = ${hold.eventId} AND id = ANY(${uuidArray(ids)}) AND state = 'available'`,
      )
      claimed =
        free.length === ids.length
          ? await rowsOf(
              tx,
              sql`UPDATE seats SET state = 'held', hold_id = ${hold.id} WHERE id = ANY(${uuidArray(ids)}) RETURNING id`,
            )
          : free
    }
    if (claimed.length === ids.length) return
    const [known] = await rowsOf<{ n: number }>(
      tx,
      sql`SELECT count(*)::int AS n FROM seats WHERE event_id = ${hold.eventId} AND id = ANY(${uuidArray(ids)})`,
    )
    if ((known?.n ?? 0) < ids.length) throw new AppError('BW_SEAT_NOT_FOUND')
    throw new AppError('BW_SOLD_OUT', 'One or more of these seats are already taken')
  }

  private async takeStock(tx: Executor, eventId: string, quantity: number, guarded: boolean): Promise<void> {
    if (guarded) {
      const taken = await rowsOf(
        tx,
        sql`UPDATE stock SET sold = sold + ${quantity}
          WHERE kind = 'event' AND id = ${eventId} AND sold + ${quantity} <= capacity RETURNING sold`,
      )
      if (taken.length === 0) throw new AppError('BW_SOLD_OUT')
      return
    }
    // The lab's naive version: check, then write what was read. Concurrent requests lose updates.
    const [stock] = await rowsOf<{ sold: number; capacity: number }>(
      tx,
      sql`SELECT sold, capacity FROM stock WHERE kind = 'event' AND id = ${eventId}`,
    )
    if (!stock || stock.sold + quantity > stock.capacity) throw new AppError('BW_SOLD_OUT')
    await rowsOf(
      tx,
      sql`UPDATE stock SET sold = ${stock.sold + quantity} WHERE kind = 'event' AND id = ${eventId}`,
    )
  }

  async findHold(holdId: string): Promise<HoldRecord | undefined> {
    const [row] = await rowsOf<HoldRecord>(
      this.db,
      sql`SELECT ${holdColumns} FROM holds WHERE id = ${holdId}`,
    )
    return row && normalise(row)
  }

  /** Releases a live hold of this user and returns its stock; undefined when there was none. */
  async release(holdId: string, userId: string): Promise<HoldRecord | undefined> {
    return transaction(this.db, async (tx) => {
      const [row] = await rowsOf<HoldRecord>(
        tx,
        sql`UPDATE holds SET state = 'released' WHERE id = ${holdId} AND user_id = ${userId} AND state = 'active'
          RETURNING ${holdColumns}`,
      )
      if (!row) return undefined
      await returnStock(tx, [row.id])
      return normalise(row)
    })
  }

  /** Whether any hold of this event is past its time: one cheap read before a sweep. */
  async hasDue(eventId: string): Promise<boolean> {
    const rows = await rowsOf(
      this.db,
      sql`SELECT 1 FROM holds WHERE event_id = ${eventId} AND state IN ('active', 'ordered')
        AND expires_at <= now() LIMIT 1`,
    )
    return rows.length > 0
  }

  /**
   * Expires up to `limit` holds past their time (optionally of one event) and returns their stock;
   * orders still waiting for payment on them expire too. Replicas share the work: SKIP LOCKED.
   */
  async expireDue(limit: number, eventId?: string): Promise<{ holds: number; orders: number }> {
    return transaction(this.db, async (tx) => {
      const expired = await rowsOf<{ id: string }>(
        tx,
        sql`UPDATE holds h SET state = 'expired' FROM (
            SELECT id FROM holds WHERE state IN ('active', 'ordered') AND expires_at <= now()
              ${eventId ? sql`AND event_id = ${eventId}` : sql``}
            ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED) due
          WHERE h.id = due.id RETURNING h.id`,
      )
      if (expired.length === 0) return { holds: 0, orders: 0 }
      const ids = expired.map((row) => row.id)
      const orders = await rowsOf<{ id: string; userId: string }>(
        tx,
        sql`UPDATE orders SET status = 'expired', updated_at = now()
          WHERE hold_id = ANY(${uuidArray(ids)}) AND status = 'pending_payment'
          RETURNING id, user_id AS "userId"`,
      )
      for (const order of orders) await enqueue(tx, { topic: 'order.expired', key: order.id, payload: order })
      await returnStock(tx, ids)
      return { holds: ids.length, orders: orders.length }
    })
  }
}

/** Gives the stock of these (already ended) holds back: allotments, seats, then the stock counter. */
export async function returnStock(tx: Executor, holdIds: string[]): Promise<void> {
  const ids = uuidArray(holdIds)
  await rowsOf(
    tx,
    sql`UPDATE allotments a SET taken = a.taken - d.q FROM (
        SELECT event_id, user_id, sum(quantity)::int AS q FROM holds WHERE id = ANY(${ids}) GROUP BY event_id, user_id) d
      WHERE a.event_id = d.event_id AND a.user_id = d.user_id`,
  )
  await rowsOf(tx, sql`UPDATE seats SET state = 'available', hold_id = NULL WHERE hold_id = ANY(${ids})`)
  await rowsOf(
    tx,
    sql`UPDATE stock s SET sold = s.sold - d.q FROM (
        SELECT event_id, sum(quantity)::int AS q FROM holds WHERE id = ANY(${ids}) GROUP BY event_id) d
      WHERE s.kind = 'event' AND s.id = d.event_id`,
  )
}

function normalise(row: HoldRecord): HoldRecord {
  // PGlite and node-postgres differ in how they hand back timestamps.
  return { ...row, expiresAt: new Date(row.expiresAt) }
}
