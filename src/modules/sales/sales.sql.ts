import { type SQL, sql } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'

/** A transaction or the database itself: both run raw SQL the same way. */
export type Executor = Pick<Db, 'execute'>

/** Runs one statement and returns its rows, on node-postgres and PGlite alike. */
export async function rowsOf<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = await guard(executor.execute(query))
  return (result as unknown as { rows: T[] }).rows
}

/** A `uuid[]` literal; drizzle would otherwise spread an array into separate parameters. */
export function uuidArray(ids: readonly string[]): SQL {
  if (ids.length === 0) return sql`ARRAY[]::uuid[]`
  return sql`ARRAY[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`
}

/** A transaction whose "cannot reach PostgreSQL" failures, BEGIN included, become a 503. */
export function transaction<T>(db: Db, work: (tx: Executor) => Promise<T>): Promise<T> {
  return guard(db.transaction((tx) => work(tx)))
}
