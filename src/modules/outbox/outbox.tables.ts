import { sql } from 'drizzle-orm'
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * Domain events written in the same transaction as the change they describe; the relay ships them.
 * Only outbox.writer.ts writes rows here.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    topic: text('topic').notNull(),
    // What the message is about (an order id): consumers keep per-key order by it. Rows written
    // before it existed have none.
    key: text('key'),
    payload: jsonb('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (table) => [index('outbox_pending_idx').on(table.id).where(sql`${table.publishedAt} IS NULL`)],
)
