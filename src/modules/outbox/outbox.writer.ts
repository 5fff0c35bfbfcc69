import { type SQL, sql } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'

/** A transaction (or the database): where a message is written along with the change it tells of. */
export type Executor = Pick<Db, 'execute'>

/** One domain event: what happened (`topic`), to what (`key`, e.g. an order id), and its body. */
export interface OutboxEntry {
  topic: string
  key: string
  payload: unknown
}

/** Writes one message in the caller's transaction; the relay delivers it once that commits. */
export async function enqueue(tx: Executor, entry: OutboxEntry): Promise<void> {
  await guard(
    tx.execute(
      sql`INSERT INTO outbox (topic, key, payload)
        VALUES (${entry.topic}, ${entry.key}, ${JSON.stringify(entry.payload)}::jsonb)`,
    ),
  )
}

/**
 * The same rows as a data-modifying CTE body, one message per row of `from`, so that a change
 * and its message are one statement: `WITH changed AS (…), event AS (${enqueueEach(…)}) SELECT …`.
 * `key` and `payload` are expressions over `from`'s columns.
 */
export function enqueueEach(topic: string, rows: { from: SQL; key: SQL; payload: SQL }): SQL {
  return sql`INSERT INTO outbox (topic, key, payload)
    SELECT ${topic}::text, ${rows.key}, ${rows.payload} FROM ${rows.from} RETURNING 1`
}
