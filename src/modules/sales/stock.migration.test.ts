import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { PGlite } from '@electric-sql/pglite'

const statements = (tag: string) =>
  readFileSync(new URL(`../../../drizzle/${tag}.sql`, import.meta.url), 'utf8')
    .split('--> statement-breakpoint')
    .map((statement) => statement.trim())
    .filter(Boolean)

/** Applies migrations as drizzle's migrator does: in one transaction. */
const migrate = (db: PGlite, tags: string[]) =>
  db.transaction(async (tx) => {
    for (const tag of tags) for (const statement of statements(tag)) await tx.exec(statement)
  })

test('the stock migration carries every event’s capacity and sold count over, with its guards', async (t) => {
  const db = new PGlite()
  t.after(() => db.close())
  await migrate(db, ['0000_foundation', '0001_sales', '0002_orders_by_event'])
  const event = (sold: number) =>
    db.query<{ id: string }>(
      `INSERT INTO events (name, sales_open_at, capacity, sold, price_cents, currency)
       VALUES ('Night', now(), 10, $1, 100, 'USD') RETURNING id`,
      [sold],
    )
  const [fresh, busy] = [(await event(0)).rows[0]?.id, (await event(7)).rows[0]?.id]

  await migrate(db, ['0003_stock'])

  const { rows } = await db.query<{ id: string; kind: string; capacity: number; sold: number }>(
    'SELECT kind, id, capacity, sold FROM stock ORDER BY sold',
  )
  assert.deepEqual(rows, [
    { kind: 'event', id: fresh, capacity: 10, sold: 0 },
    { kind: 'event', id: busy, capacity: 10, sold: 7 },
  ])
  const columns = await db.query(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'sold'",
  )
  assert.equal(columns.rows.length, 0, 'the old counter is gone, so nothing can write it')
  // The CHECK constraints are the last line, whatever statement reaches them.
  await assert.rejects(db.query('UPDATE stock SET sold = 11 WHERE id = $1', [busy]), /stock_sold_check/)
  await assert.rejects(db.query('UPDATE stock SET sold = -1 WHERE id = $1', [busy]), /stock_sold_check/)
})
