import { sql } from 'drizzle-orm'
import { type Executor, rowsOf, uuidArray } from './sales.sql.ts'
import type { StockKind } from './sales.tables.ts'

/** One thing on sale, as the stock table keys it. */
export interface StockItem {
  kind: StockKind
  id: string
}

/**
 * The sales engine's stock, as other modules see it: they put an item on sale and read what is
 * left. Taking and returning stock stays inside the sales engine (holds.repository.ts), always by
 * the guarded statement.
 */
export class StockLedger {
  constructor(private readonly db: Executor) {}

  /**
   * Puts a new item on sale with `capacity` units, in the caller's transaction, so that the item
   * and its stock exist together or not at all.
   */
  async open(tx: Executor, item: StockItem & { capacity: number }): Promise<void> {
    await rowsOf(
      tx,
      sql`INSERT INTO stock (kind, id, capacity) VALUES (${item.kind}, ${item.id}, ${item.capacity})`,
    )
  }

  /** Units neither sold nor held; undefined for an item with no stock. */
  async remaining(item: StockItem): Promise<number | undefined> {
    return (await this.remainingOf(item.kind, [item.id])).get(item.id)
  }

  /** Units left of each of these items; items with no stock are absent. */
  async remainingOf(kind: StockKind, ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map()
    const rows = await rowsOf<{ id: string; remaining: number }>(
      this.db,
      sql`SELECT id, capacity - sold AS remaining FROM stock WHERE kind = ${kind} AND id = ANY(${uuidArray(ids)})`,
    )
    return new Map(rows.map((row) => [row.id, row.remaining]))
  }
}
