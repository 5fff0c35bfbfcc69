import { bigint, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * What the waiting room needs to survive Redis losing its state mid-sale: per event, the epoch
 * of the shared state and the numbers Redis may not go back on. Redis never hands out a number,
 * nor grants an admission, above the ceilings reserved here first; the rest is a snapshot written
 * every second. Only queue-frontiers.repository.ts reads and writes it.
 */
export const queueFrontiers = pgTable('queue_frontiers', {
  // An event id; no foreign key, as the waiting room does not own the events table.
  eventId: text('event_id').primaryKey(),
  // Raised each time the shared state is created again; tickets of an older epoch are refused.
  epoch: integer('epoch').notNull().default(1),
  lastNumber: bigint('last_number', { mode: 'number' }).notNull().default(0),
  // Redis may hand out numbers up to this one; a new epoch starts numbering above it.
  numberCeiling: bigint('number_ceiling', { mode: 'number' }).notNull().default(0),
  servingNumber: bigint('serving_number', { mode: 'number' }).notNull().default(0),
  // Admissions granted so far, over every epoch, and how many Redis may grant in all.
  admitted: bigint('admitted', { mode: 'number' }).notNull().default(0),
  admissionCeiling: bigint('admission_ceiling', { mode: 'number' }).notNull().default(0),
  // Unexpired admissions as [expiresAt ms, count] pairs: admissions share one lifetime, so few pairs.
  admissions: jsonb('admissions').$type<[number, number][]>().notNull().default([]),
  preQueue: jsonb('pre_queue').$type<{ seed: string; size: number } | null>(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})
