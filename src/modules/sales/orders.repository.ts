import { sql } from 'drizzle-orm'
import type { Db } from '../../platform/data/database.client.ts'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import { enqueue, enqueueEach } from '../outbox/outbox.writer.ts'
import { returnStock } from './holds.repository.ts'
import { sourcesOf } from './order.states.ts'
import { type Executor, rowsOf, transaction } from './sales.sql.ts'
import type { HoldState, OrderState } from './sales.tables.ts'

export interface OrderRecord {
  id: string
  userId: string
  eventId: string
  holdId: string
  quantity: number
  amountCents: number
  currency: string
  status: OrderState
  paymentRef: string | null
  failureReason: string | null
  createdAt: Date
  updatedAt: Date
  /** Only when just paid: the waiting-room admission the hold was made with. */
  admissionId?: string | null
}

export interface StoredResponse {
  status: number
  body: unknown
}

export type Begun = { kind: 'created'; order: OrderRecord } | { kind: 'replay'; response: StoredResponse }

export interface BeginOrder {
  userId: string
  holdId: string
  paymentToken: string
  /** Absent in the lab when the idempotency claim is switched off. */
  idempotency: { key: string; fingerprint: string; ttlSeconds: number } | null
}

export type SuccessOutcome = 'paid' | 'refund' | 'ignored' | 'duplicate'

const orderColumns = sql`id, user_id AS "userId", event_id AS "eventId", hold_id AS "holdId", quantity,
  amount_cents AS "amountCents", currency, status, payment_ref AS "paymentRef",
  failure_reason AS "failureReason", created_at AS "createdAt", updated_at AS "updatedAt"`

// The outbox messages written in the same statement as the order's change.
const createdEvent = enqueueEach('order.created', {
  from: sql`created`,
  key: sql`id::text`,
  payload: sql`to_jsonb(created)`,
})
const paidEvent = enqueueEach('order.paid', {
  from: sql`paid`,
  key: sql`id::text`,
  payload: sql`to_jsonb(paid) - 'admissionId'`,
})

/** Every query about orders, idempotency keys, payment records and webhook receipts. */
export class OrdersRepository {
  constructor(private readonly db: Db) {}

  /**
   * Claims the Idempotency-Key and creates the order in one transaction: either both happen or
   * neither, so a retry can never create a second order for the same key.
   */
  async begin(input: BeginOrder): Promise<Begun> {
    return transaction(this.db, async (tx): Promise<Begun> => {
      if (input.idempotency) {
        const replay = await claimKey(tx, input.userId, input.idempotency)
        if (replay) return { kind: 'replay', response: replay }
      }
      const reuse = input.idempotency === null
      // Consume the hold, create the order and its outbox event in one statement; when the hold
      // could not be consumed nothing happened, and consumeHoldFailure says why.
      const [order] = await rowsOf<OrderRecord>(
        tx,
        sql`WITH hold AS (
            UPDATE holds SET state = 'ordered'
            WHERE id = ${input.holdId} AND user_id = ${input.userId} AND expires_at > now()
              AND state ${reuse ? sql`IN ('active', 'ordered')` : sql`= 'active'`}
            RETURNING id, event_id, quantity, unit_price_cents, currency),
          created AS (
            INSERT INTO orders (user_id, event_id, hold_id, quantity, amount_cents, currency, payment_token)
            SELECT ${input.userId}, event_id, id, quantity, quantity * unit_price_cents, currency, ${input.paymentToken}
            FROM hold
            RETURNING ${orderColumns}),
          event AS (${createdEvent})
          SELECT * FROM created`,
      )
      if (!order) return consumeHoldFailure(tx, input.holdId, input.userId)
      return { kind: 'created', order }
    })
  }

  /** Stores the response to replay for this key. */
  async finishKey(userId: string, key: string, response: StoredResponse): Promise<void> {
    await rowsOf(
      this.db,
      sql`UPDATE idempotency_keys SET state = 'done', response_status = ${response.status},
        response_body = ${JSON.stringify(response.body)}::jsonb
        WHERE user_id = ${userId} AND key = ${key}`,
    )
  }

  async setPaymentRef(orderId: string, reference: string): Promise<OrderRecord | undefined> {
    const [row] = await rowsOf<OrderRecord>(
      this.db,
      sql`UPDATE orders SET payment_ref = ${reference}, updated_at = now() WHERE id = ${orderId}
        RETURNING ${orderColumns}`,
    )
    return row
  }

  /**
   * A payment succeeded (captured). Pays the order if its hold is still live; if the hold has
   * expired, expires the order and marks it refunded — the caller then refunds the money.
   */
  async applySuccess(
    orderId: string,
    reference: string,
    amountCents: number,
    webhookId: string | null,
  ): Promise<{ outcome: SuccessOutcome; order: OrderRecord | undefined }> {
    if (!webhookId) {
      // The common case needs no transaction: the pay statement is atomic on its own.
      const [paid] = await rowsOf<OrderRecord>(this.db, payStatement(orderId, reference, amountCents))
      if (paid) return { outcome: 'paid', order: paid }
    }
    return transaction(this.db, async (tx) => {
      if (webhookId && !(await firstReceipt(tx, webhookId))) return { outcome: 'duplicate', order: undefined }
      const [paid] = await rowsOf<OrderRecord>(tx, payStatement(orderId, reference, amountCents))
      if (paid) return { outcome: 'paid', order: paid }
      // Not payable: expire it now if its hold ran out before the sweeper came by.
      await expireOrderHold(tx, orderId)
      const [refunded] = await rowsOf<OrderRecord>(
        tx,
        sql`UPDATE orders SET status = 'refunded', payment_ref = ${reference}, updated_at = now()
          WHERE id = ${orderId} AND status = 'expired' RETURNING ${orderColumns}`,
      )
      if (!refunded) return { outcome: 'ignored', order: await findOrder(tx, orderId) }
      await rowsOf(
        tx,
        sql`INSERT INTO payments (order_id, kind, provider_ref, amount_cents) VALUES
          (${orderId}, 'capture', ${reference}, ${amountCents}), (${orderId}, 'refund', ${reference}, ${amountCents})
          ON CONFLICT DO NOTHING`,
      )
      await enqueue(tx, { topic: 'order.refunded', key: refunded.id, payload: refunded })
      return { outcome: 'refund', order: refunded }
    })
  }

  /** A payment failed: the order fails and its hold's stock goes back on sale. */
  async applyFailure(
    orderId: string,
    reason: string,
    webhookId: string | null,
  ): Promise<{ outcome: 'failed' | 'ignored' | 'duplicate'; order: OrderRecord | undefined }> {
    return transaction(this.db, async (tx) => {
      if (webhookId && !(await firstReceipt(tx, webhookId))) return { outcome: 'duplicate', order: undefined }
      const [failed] = await rowsOf<OrderRecord>(
        tx,
        sql`UPDATE orders SET status = 'payment_failed', failure_reason = ${reason}, updated_at = now()
          WHERE id = ${orderId} AND status = ANY(${statusArray(sourcesOf('payment_failed'))})
          RETURNING ${orderColumns}`,
      )
      if (!failed) return { outcome: 'ignored', order: await findOrder(tx, orderId) }
      const released = await rowsOf<{ id: string }>(
        tx,
        sql`UPDATE holds SET state = 'released' WHERE id = ${failed.holdId} AND state = 'ordered' RETURNING id`,
      )
      await returnStock(
        tx,
        released.map((row) => row.id),
      )
      await enqueue(tx, { topic: 'order.payment_failed', key: failed.id, payload: failed })
      return { outcome: 'failed', order: failed }
    })
  }

  find(orderId: string): Promise<OrderRecord | undefined> {
    return findOrder(this.db, orderId)
  }

  async findForUser(orderId: string, userId: string): Promise<OrderRecord | undefined> {
    const [row] = await rowsOf<OrderRecord>(
      this.db,
      sql`SELECT ${orderColumns} FROM orders WHERE id = ${orderId} AND user_id = ${userId}`,
    )
    return row
  }

  listForEvent(eventId: string, limit: number): Promise<OrderRecord[]> {
    return rowsOf(
      this.db,
      sql`SELECT ${orderColumns} FROM orders WHERE event_id = ${eventId} ORDER BY created_at DESC, id LIMIT ${limit}`,
    )
  }

  listForUser(userId: string, limit: number): Promise<OrderRecord[]> {
    return rowsOf(
      this.db,
      sql`SELECT ${orderColumns} FROM orders WHERE user_id = ${userId} ORDER BY created_at DESC, id LIMIT ${limit}`,
    )
  }
}

/**
 * Inserts the key, or takes over an expired one. Returns the stored response to replay, or null
 * when this request owns the key now. A concurrent first request's uncommitted row makes this
 * statement wait for it, so the answer is always about a committed claim.
 */
async function claimKey(
  tx: Executor,
  userId: string,
  idem: { key: string; fingerprint: string; ttlSeconds: number },
): Promise<StoredResponse | null> {
  const claimed = await rowsOf(
    tx,
    sql`INSERT INTO idempotency_keys (user_id, key, fingerprint, expires_at)
      VALUES (${userId}, ${idem.key}, ${idem.fingerprint}, now() + ${idem.ttlSeconds} * interval '1 second')
      ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, state = 'running',
        response_status = NULL, response_body = NULL, created_at = now(), expires_at = EXCLUDED.expires_at
      WHERE idempotency_keys.expires_at <= now()
      RETURNING key`,
  )
  if (claimed.length > 0) return null
  const [existing] = await rowsOf<{
    fingerprint: string
    state: 'running' | 'done'
    responseStatus: number | null
    responseBody: unknown
  }>(
    tx,
    sql`SELECT fingerprint, state, response_status AS "responseStatus", response_body AS "responseBody"
      FROM idempotency_keys WHERE user_id = ${userId} AND key = ${idem.key}`,
  )
  if (!existing) throw new AppError('BW_IDEMPOTENCY_CONFLICT')
  if (existing.fingerprint !== idem.fingerprint) throw new AppError('BW_IDEMPOTENCY_MISMATCH')
  if (existing.state === 'running' || existing.responseStatus === null)
    throw new AppError('BW_IDEMPOTENCY_CONFLICT', undefined, { retryAfterSeconds: 1 })
  return { status: existing.responseStatus, body: existing.responseBody }
}

/** Why a hold could not be ordered; always throws. */
async function consumeHoldFailure(tx: Executor, holdId: string, userId: string): Promise<never> {
  const [existing] = await rowsOf<{ userId: string; state: HoldState }>(
    tx,
    sql`SELECT user_id AS "userId", state FROM holds WHERE id = ${holdId}`,
  )
  // Someone else's hold is answered exactly like a missing one: ids must not leak.
  if (!existing || existing.userId !== userId) throw new AppError('BW_HOLD_NOT_FOUND')
  if (existing.state === 'ordered' || existing.state === 'sold') throw new AppError('BW_HOLD_USED')
  throw new AppError('BW_HOLD_EXPIRED')
}

async function expireOrderHold(tx: Executor, orderId: string): Promise<void> {
  const expired = await rowsOf<{ id: string }>(
    tx,
    sql`UPDATE holds h SET state = 'expired' FROM orders o
      WHERE o.id = ${orderId} AND h.id = o.hold_id AND h.state = 'ordered' AND h.expires_at <= now()
      RETURNING h.id`,
  )
  if (expired.length === 0) return
  await rowsOf(
    tx,
    sql`UPDATE orders SET status = 'expired', updated_at = now() WHERE id = ${orderId}
      AND status = ANY(${statusArray(sourcesOf('expired'))})`,
  )
  await returnStock(
    tx,
    expired.map((row) => row.id),
  )
}

/**
 * The whole "paid" step in one statement: the order (only while its hold is live), its capture
 * record, the hold and seats becoming sold, and the outbox event.
 */
function payStatement(orderId: string, reference: string, amountCents: number) {
  return sql`WITH paid AS (
        UPDATE orders o SET status = 'paid', payment_ref = ${reference}, updated_at = now()
        FROM holds h
        WHERE o.id = ${orderId} AND o.status = ANY(${statusArray(sourcesOf('paid'))})
          AND h.id = o.hold_id AND h.state = 'ordered' AND h.expires_at > now()
        RETURNING ${prefixed('o')}, h.admission_id AS "admissionId"),
      captured AS (
        INSERT INTO payments (order_id, kind, provider_ref, amount_cents)
        SELECT id, 'capture', ${reference}::text, ${amountCents}::int FROM paid RETURNING 1),
      sold_hold AS (UPDATE holds SET state = 'sold' WHERE id IN (SELECT "holdId" FROM paid) RETURNING 1),
      sold_seats AS (UPDATE seats SET state = 'sold' WHERE hold_id IN (SELECT "holdId" FROM paid) RETURNING 1),
      event AS (${paidEvent})
      SELECT * FROM paid`
}

async function firstReceipt(tx: Executor, webhookId: string): Promise<boolean> {
  const rows = await rowsOf(
    tx,
    sql`INSERT INTO webhook_receipts (id) VALUES (${webhookId}) ON CONFLICT DO NOTHING RETURNING id`,
  )
  return rows.length > 0
}

async function findOrder(tx: Executor, orderId: string): Promise<OrderRecord | undefined> {
  const [row] = await rowsOf<OrderRecord>(tx, sql`SELECT ${orderColumns} FROM orders WHERE id = ${orderId}`)
  return row
}

function statusArray(states: readonly OrderState[]) {
  return sql`ARRAY[${sql.join(
    states.map((state) => sql`${state}`),
    sql`, `,
  )}]::text[]`
}

function prefixed(alias: string) {
  const a = sql.raw(alias)
  return sql`${a}.id, ${a}.user_id AS "userId", ${a}.event_id AS "eventId", ${a}.hold_id AS "holdId", ${a}.quantity,
    ${a}.amount_cents AS "amountCents", ${a}.currency, ${a}.status, ${a}.payment_ref AS "paymentRef",
    ${a}.failure_reason AS "failureReason", ${a}.created_at AS "createdAt", ${a}.updated_at AS "updatedAt"`
}
