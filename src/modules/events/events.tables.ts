import { sql } from 'drizzle-orm'
import { boolean, check, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

export interface SeatMap {
  sections: { name: string; rows: { name: string; seats: number }[] }[]
}

export const roomStates = ['open', 'paused', 'closed'] as const
export type RoomState = (typeof roomStates)[number]

/** When joining the event's line needs a solved proof-of-work challenge: never, always, or under pressure. */
export const powModes = ['off', 'on', 'auto'] as const
export type PowMode = (typeof powModes)[number]

export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description'),
    salesOpenAt: timestamp('sales_open_at', { withTimezone: true }).notNull(),
    // What the event puts on sale; the sales engine's stock row counts what is taken of it.
    capacity: integer('capacity').notNull(),
    seatMap: jsonb('seat_map').$type<SeatMap>(),
    priceCents: integer('price_cents').notNull(),
    currency: text('currency').notNull(),
    perUserLimit: integer('per_user_limit').notNull().default(4),
    queueEnabled: boolean('queue_enabled').notNull().default(true),
    queueState: text('queue_state', { enum: roomStates }).notNull().default('open'),
    admissionRatePerSec: integer('admission_rate_per_sec').notNull().default(100),
    maxActive: integer('max_active').notNull().default(1000),
    shuffleAtOpen: boolean('shuffle_at_open').notNull().default(false),
    queuePow: text('queue_pow', { enum: powModes }).notNull().default('auto'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check('events_capacity_check', sql`${table.capacity} > 0`),
    check('events_price_check', sql`${table.priceCents} >= 0`),
    check('events_currency_check', sql`${table.currency} ~ '^[A-Z]{3}$'`),
    check('events_per_user_limit_check', sql`${table.perUserLimit} > 0`),
    check('events_queue_state_check', sql`${table.queueState} IN ('open', 'paused', 'closed')`),
    check('events_queue_pow_check', sql`${table.queuePow} IN ('off', 'on', 'auto')`),
    check('events_admission_rate_check', sql`${table.admissionRatePerSec} > 0`),
    check('events_max_active_check', sql`${table.maxActive} > 0`),
  ],
)

export type EventRow = typeof events.$inferSelect
export type NewEventRow = typeof events.$inferInsert
