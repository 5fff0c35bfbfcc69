import { type SQL, sql } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'
import { type ChainedEntry, entryHash, genesisHash } from './audit.chain.ts'

/** An entry as stored: the chained fields and both hashes. */
export interface StoredEntry extends ChainedEntry {
  prevHash: string
  hash: string
}

export type NewEntry = Omit<ChainedEntry, 'id' | 'at'>

// Any fixed number, apart from the migrations' lock: every appender on every replica takes turns.
const appendLockId = 7_170_016

interface RawRow {
  id: string | number
  at: string | Date
  actor_id: string | null
  actor_role: string | null
  actor_ip: string | null
  action: string
  target: string | null
  details: unknown
  prev_hash: string
  hash: string
}

const columns = sql.raw('id, at, actor_id, actor_role, actor_ip, action, target, details, prev_hash, hash')

/** Every query on `audit_log`; the only writer of its rows. */
export class AuditRepository {
  constructor(
    private readonly db: Db,
    /** Appends take one lock, so two at once cannot both follow the same entry; off only in the lab. */
    private readonly serialise: boolean,
  ) {}

  /**
   * Appends entries after the last one, in order, in one transaction: under the lock, the last
   * hash is read and the new ids drawn, so ids follow the chain's order on every replica.
   */
  async append(entries: NewEntry[], now: Date): Promise<StoredEntry[]> {
    if (entries.length === 0) return []
    return guard(
      this.db.transaction(async (tx) => {
        const rows = async <T>(query: SQL) => ((await tx.execute(query)) as unknown as { rows: T[] }).rows
        if (this.serialise) await tx.execute(sql`SELECT pg_advisory_xact_lock(${appendLockId})`)
        const [last] = await rows<{ hash: string }>(sql`SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1`)
        const ids = (
          await rows<{ id: string }>(
            sql`SELECT nextval(pg_get_serial_sequence('audit_log', 'id'))::text AS id
              FROM generate_series(1, ${entries.length})`,
          )
        )
          .map((row) => Number(row.id))
          .sort((a, b) => a - b)
        let prevHash = last?.hash ?? genesisHash
        const stored = entries.map((entry, i) => {
          // Stored to the millisecond (precision 3), so the hash of what is read back is the same.
          const chained: ChainedEntry = { ...entry, id: ids[i] as number, at: new Date(now.getTime()) }
          const linked = { ...chained, prevHash, hash: entryHash(prevHash, chained) }
          prevHash = linked.hash
          return linked
        })
        const values = stored.map(
          (e) =>
            sql`(${e.id}, ${e.at.toISOString()}, ${e.actorId}, ${e.actorRole}, ${e.actorIp}, ${e.action},
              ${e.target}, ${JSON.stringify(e.details)}::jsonb, ${e.prevHash}, ${e.hash})`,
        )
        await tx.execute(
          sql`INSERT INTO audit_log (id, at, actor_id, actor_role, actor_ip, action, target, details, prev_hash, hash)
            VALUES ${sql.join(values, sql`, `)}`,
        )
        return stored
      }),
    )
  }

  /** Newest first, older than `before` when given; `action` is one name, or a prefix ending in `.*`. */
  async newest(options: { before?: number; limit: number; action?: string }): Promise<StoredEntry[]> {
    const conditions: SQL[] = []
    if (options.before !== undefined) conditions.push(sql`id < ${options.before}`)
    if (options.action?.endsWith('.*'))
      conditions.push(sql`starts_with(action, ${options.action.slice(0, -1)})`)
    else if (options.action !== undefined) conditions.push(sql`action = ${options.action}`)
    const where = conditions.length > 0 ? sql`WHERE ${sql.join(conditions, sql` AND `)}` : sql``
    return this.select(sql`SELECT ${columns} FROM audit_log ${where} ORDER BY id DESC LIMIT ${options.limit}`)
  }

  /** The chain in order, `limit` entries after `after` (an id; 0 for the start). */
  async inOrder(after: number, limit: number): Promise<StoredEntry[]> {
    return this.select(sql`SELECT ${columns} FROM audit_log WHERE id > ${after} ORDER BY id LIMIT ${limit}`)
  }

  async count(): Promise<number> {
    const [row] = await this.select<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_log`, false)
    return row?.n ?? 0
  }

  private async select<T = StoredEntry>(query: SQL, entries = true): Promise<T[]> {
    const found = ((await guard(this.db.execute(query))) as unknown as { rows: unknown[] }).rows
    return entries ? ((found as RawRow[]).map(toEntry) as T[]) : (found as T[])
  }
}

function toEntry(row: RawRow): StoredEntry {
  return {
    id: Number(row.id),
    at: row.at instanceof Date ? row.at : new Date(row.at),
    actorId: row.actor_id,
    actorRole: row.actor_role,
    actorIp: row.actor_ip,
    action: row.action,
    target: row.target,
    details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}
