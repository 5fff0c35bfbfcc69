import { sql } from 'drizzle-orm'
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

// No foreign keys to the events or users tables: those belong to other modules, and the sales
// engine must not depend on their internals. Ids are checked by the services.

export const stockKinds = ['event', 'listing', 'product'] as const
export type StockKind = (typeof stockKinds)[number]

/**
 * What each thing on sale has and how much of it is taken (held or sold), keyed by what is sold:
 * an event's tickets today, a listing or a shop product tomorrow. `sold` changes only by one
 * conditional statement; the CHECK is the last line against overselling.
 */
export const stock = pgTable(
  'stock',
  {
    kind: text('kind', { enum: stockKinds }).notNull(),
    id: uuid('id').notNull(),
    capacity: integer('capacity').notNull(),
    sold: integer('sold').notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.kind, table.id] }),
    check('stock_kind_check', sql`${table.kind} IN ('event', 'listing', 'product')`),
    check('stock_capacity_check', sql`${table.capacity} >= 0`),
    check('stock_sold_check', sql`${table.sold} >= 0 AND ${table.sold} <= ${table.capacity}`),
  ],
)

export const seatStates = ['available', 'held', 'sold'] as const
export type SeatState = (typeof seatStates)[number]

/** One row per seat of a seated event; a seat is claimed by setting its hold, never by a read. */
export const seats = pgTable(
  'seats',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    eventId: uuid('event_id').notNull(),
    section: text('section').notNull(),
    row: text('row').notNull(),
    number: integer('number').notNull(),
    state: text('state', { enum: seatStates }).notNull().default('available'),
    holdId: uuid('hold_id'),
  },
  (table) => [
    uniqueIndex('seats_place_key').on(table.eventId, table.section, table.row, table.number),
    index('seats_hold_idx').on(table.holdId),
    check('seats_state_check', sql`${table.state} IN ('available', 'held', 'sold')`),
    // A seat is available exactly when no hold owns it.
    check('seats_hold_check', sql`(${table.state} = 'available') = (${table.holdId} IS NULL)`),
  ],
)

export const holdStates = ['active', 'ordered', 'sold', 'released', 'expired'] as const
export type HoldState = (typeof holdStates)[number]

/** Stock reserved for one user for a limited time; `sold` in its stock row counts it while it lives. */
export const holds = pgTable(
  'holds',
  {
    id: uuid('id').primaryKey(),
    eventId: uuid('event_id').notNull(),
    userId: uuid('user_id').notNull(),
    quantity: integer('quantity').notNull(),
    seatIds: uuid('seat_ids').array(),
    // The price is fixed when the stock is reserved, so an order never reads the event again.
    unitPriceCents: integer('unit_price_cents').notNull(),
    currency: text('currency').notNull(),
    // The waiting room's admission, handed back when the order is paid.
    admissionId: text('admission_id'),
    state: text('state', { enum: holdStates }).notNull().default('active'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('holds_expiry_idx').on(table.expiresAt).where(sql`${table.state} IN ('active', 'ordered')`),
    // Lazy expiry asks "is anything of this event past its time?" on every sold-out answer.
    index('holds_event_expiry_idx')
      .on(table.eventId, table.expiresAt)
      .where(sql`${table.state} IN ('active', 'ordered')`),
    check('holds_quantity_check', sql`${table.quantity} > 0`),
    check('holds_state_check', sql`${table.state} IN ('active', 'ordered', 'sold', 'released', 'expired')`),
  ],
)

/** Tickets a user holds or bought per event: the per-user limit is a conditional upsert here. */
export const allotments = pgTable(
  'allotments',
  {
    eventId: uuid('event_id').notNull(),
    userId: uuid('user_id').notNull(),
    taken: integer('taken').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.eventId, table.userId] }),
    check('allotments_taken_check', sql`${table.taken} >= 0`),
  ],
)

export const orderStates = ['pending_payment', 'paid', 'payment_failed', 'expired', 'refunded'] as const
export type OrderState = (typeof orderStates)[number]

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull(),
    eventId: uuid('event_id').notNull(),
    holdId: uuid('hold_id').notNull(),
    quantity: integer('quantity').notNull(),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: orderStates }).notNull().default('pending_payment'),
    paymentToken: text('payment_token').notNull(),
    paymentRef: text('payment_ref'),
    failureReason: text('failure_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('orders_user_idx').on(table.userId, table.createdAt),
    index('orders_event_idx').on(table.eventId, table.createdAt),
    index('orders_hold_idx').on(table.holdId),
    check(
      'orders_status_check',
      sql`${table.status} IN ('pending_payment', 'paid', 'payment_failed', 'expired', 'refunded')`,
    ),
    check('orders_amount_check', sql`${table.amountCents} >= 0`),
  ],
)

/** IETF Idempotency-Key records, scoped per user; the first response is kept to replay it. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: uuid('user_id').notNull(),
    key: text('key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    state: text('state', { enum: ['running', 'done'] })
      .notNull()
      .default('running'),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.key] }),
    check('idempotency_keys_state_check', sql`${table.state} IN ('running', 'done')`),
  ],
)

/** Every call made to the payment provider: one `capture` per paid order is the invariant. */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id').notNull(),
    kind: text('kind', { enum: ['capture', 'refund'] }).notNull(),
    providerRef: text('provider_ref').notNull(),
    amountCents: integer('amount_cents').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('payments_order_kind_key').on(table.orderId, table.kind),
    check('payments_kind_check', sql`${table.kind} IN ('capture', 'refund')`),
  ],
)

/** Webhook ids already applied, so a duplicate delivery changes nothing. */
export const webhookReceipts = pgTable('webhook_receipts', {
  id: text('id').primaryKey(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
})
