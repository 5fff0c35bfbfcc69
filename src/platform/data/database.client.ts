import { chmodSync, mkdirSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { DrizzleQueryError, type SQL, sql } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'
import { DependencyUnavailableError } from '../http/errors.catalogue.ts'
import { lockDirectory } from './directory.lock.ts'

export type Db = PgDatabase<PgQueryResultHKT>

/** The relational store: PostgreSQL through a pool, or PGlite embedded in this process. */
export interface Database {
  readonly kind: 'postgres' | 'pglite'
  readonly db: Db
  /** Runs raw SQL and returns its rows, the same on both engines. */
  rows<T>(query: SQL): Promise<T[]>
  ping(timeoutMs?: number): Promise<void>
  migrate(): Promise<void>
  /** PGlite only: its data directory as a tarball, to start other databases from (see `pgliteTemplate`). */
  dump?(): Promise<Blob>
  /** Migrations this version has that the database has not applied; 0 when its schema is current. */
  pendingMigrations(): Promise<number>
  /** Connections in use and requests waiting for one (PostgreSQL only). */
  poolStats(): { total: number; idle: number; waiting: number }
  close(): Promise<void>
}

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url))
// Any fixed number: replicas starting together take turns applying migrations.
const migrationLockId = 7_170_001

export interface DatabaseOptions {
  /** `postgres://…`; absent means PGlite. */
  url: string | null
  /** PGlite's data directory; absent means in memory. */
  dataDir?: string
  poolSize?: number
  onPoolError?: (error: Error) => void
  /**
   * A PGlite data directory to start from (`dumpDataDir()`'s tarball), in memory only. Tests
   * migrate one database once per run and start each app from a copy: booting PGlite costs
   * seconds, loading a copy a fraction of that.
   */
  pgliteTemplate?: Blob
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.url
    ? openPostgres(options.url, options)
    : openPglite(options.dataDir, options.pgliteTemplate)
}

/** Opening a connection gives up after a second: an unreachable database is an error at once. */
const connectTimeoutMs = 1000
/**
 * How long a request may wait for a pooled connection that is busy. pg-pool times that wait with
 * the same setting as opening a connection, and a second was too short under a crowd: the
 * database was answering, but with one event loop serving the crowd too, each connection stayed
 * checked out longer, and admitted shoppers got 503 "database unavailable" for a busy pool.
 */
const poolWaitMs = 5000

/** pg's client with its own connect timeout; when it fires, the connection fails with "timeout expired". */
class PromptClient extends pg.Client {
  // pg-pool hands every client it makes the pool's own options object.
  constructor(config?: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: connectTimeoutMs })
  }
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    Client: PromptClient,
    connectionTimeoutMillis: poolWaitMs,
    idleTimeoutMillis: 30_000,
    query_timeout: 15_000,
  })
  // Without a listener, a client losing its server would crash the process: the pool listens only
  // to idle clients, so every client gets one of its own for the time it is checked out too. The
  // query running on it fails on its own and is answered as 503.
  pool.on('error', (error) => options.onPoolError?.(error))
  pool.on('connect', (client) => client.on('error', (error) => options.onPoolError?.(error)))
  const db = drizzleNodePg(pool) as unknown as Db
  db.transaction = releasingTransaction(pool)
  const rows = async <T>(query: SQL) => ((await guard(db.execute(query))) as unknown as { rows: T[] }).rows
  return {
    kind: 'postgres',
    db,
    rows,
    ping: (timeoutMs = 1000) =>
      withTimeout(guard(pool.query('SELECT 1')), timeoutMs, 'database').then(() => {}),
    async migrate() {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
      await client.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [migrationLockId])
        await migrateNodePg(drizzleNodePg(client), { migrationsFolder })
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [migrationLockId]).catch(() => {})
        await client.end()
      }
    },
    pendingMigrations: () => pendingMigrations(rows),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => pool.end(),
  }
}

/**
 * `db.transaction` on a pool, releasing its client on every path. drizzle 0.45's own runs BEGIN
 * before the `try` whose `finally` releases the client, so a connection that died just before the
 * transaction (a PostgreSQL restart, a failover, a killed backend) kept its pool slot for the life
 * of the process, and `pool.end()` then never returned (drizzle-orm issues #6023, #6114, #6241).
 * Here drizzle runs the transaction on one checked-out client, which it never releases itself, and
 * the client goes back with the error when the connection can no longer be trusted (lost, or timed
 * out mid-statement), so that the pool destroys it instead of handing it out again.
 */
export function releasingTransaction(pool: Pick<pg.Pool, 'connect'>): Db['transaction'] {
  const onClient = new WeakMap<pg.PoolClient, Db>()
  return async (work, config) => {
    const client = await pool.connect()
    let broken: Error | undefined
    try {
      let db = onClient.get(client)
      if (!db) {
        db = drizzleNodePg(client) as unknown as Db
        onClient.set(client, db)
      }
      return await db.transaction(work, config)
    } catch (error) {
      if (isDatabaseUnavailable(error)) broken = error as Error
      throw error
    } finally {
      client.release(broken)
    }
  }
}

async function openPglite(dataDir: string | undefined, template?: Blob): Promise<Database> {
  if (dataDir && template) throw new Error('a PGlite template is for an in-memory database only')
  let lock: { release(): void } | undefined
  if (dataDir) {
    mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o700 })
    lock = lockDirectory(dataDir)
  }
  const client = template ? new PGlite({ loadDataDir: template }) : new PGlite(dataDir)
  try {
    await client.waitReady
    if (dataDir) keepPrivate(dataDir)
  } catch (error) {
    lock?.release()
    throw error
  }
  const db = drizzlePglite(client) as unknown as Db
  const rows = async <T>(query: SQL) => ((await db.execute(query)) as unknown as { rows: T[] }).rows
  return {
    kind: 'pglite',
    db,
    rows,
    ping: async () => {
      await db.execute(sql`SELECT 1`)
    },
    migrate: () => migratePglite(drizzlePglite(client), { migrationsFolder }),
    dump: () => client.dumpDataDir('none'),
    pendingMigrations: () => pendingMigrations(rows),
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    close: async () => {
      await client.close()
      lock?.release()
    },
  }
}

/**
 * Makes PGlite's files this user's alone (files 0600, directories 0700). PGlite sets the modes of
 * the files it unpacks at its first start itself (0666, 0777), whatever the umask, and a data
 * directory made by an older version has them too; what PostgreSQL creates later is 0600 already.
 */
function keepPrivate(directory: string): void {
  chmodSync(directory, 0o700)
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name)
    if (entry.isDirectory()) chmodSync(file, 0o700)
    else if (entry.isFile()) chmodSync(file, 0o600)
  }
}

/**
 * Counts the migrations newer than the newest one the database has applied, the same way drizzle's
 * migrator decides what to apply (by the journal's timestamps), so 0 means `migrate` has nothing to do.
 */
async function pendingMigrations(rows: Database['rows']): Promise<number> {
  const [table] = await rows<{ present: boolean }>(
    sql`SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS present`,
  )
  let newest: number | null = null
  if (table?.present) {
    const [row] = await rows<{ newest: string | null }>(
      sql`SELECT max(created_at) AS newest FROM drizzle.__drizzle_migrations`,
    )
    newest = row?.newest == null ? null : Number(row.newest)
  }
  return readMigrationFiles({ migrationsFolder }).filter(
    (migration) => newest === null || newest < migration.folderMillis,
  ).length
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
])

/** True when an error means PostgreSQL could not be reached, rather than that a query was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, message } = current as { code?: string; message?: string }
    if (code && unavailableCodes.has(code)) return true
    if (
      message &&
      /Connection terminated|timeout exceeded when trying to connect|timeout expired|Client has encountered a connection error|Query read timeout|not queryable/.test(
        message,
      )
    )
      return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

/** Turns "could not reach PostgreSQL" into a typed 503 error; other errors pass unchanged. */
export async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw new DependencyUnavailableError('database', error)
    throw error
  }
}

export function withTimeout<T>(work: Promise<T>, ms: number, dependency: 'database' | 'redis'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DependencyUnavailableError(dependency, new Error(`no answer in ${ms} ms`))),
      ms,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Fields of a driver's errors that hold a statement's values: PGlite's carry `params`, and
 * PostgreSQL's `detail` quotes the values of a violated key.
 */
const valueFields = new Set(['params', 'queryOptions', 'detail', 'internalQuery', 'where'])

/**
 * An error as it may be logged, with no value of the statement that failed. drizzle's failed-query
 * error carries the parameters (an email, a password hash) in its message, its stack and `params`;
 * here it keeps only the SQL text, and the driver's error below it loses the fields that hold values.
 * Every other error, and the rest of the chain, stays as it was.
 */
export function withoutQueryValues(error: unknown, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 5) return error
  const cause = error.cause === undefined ? undefined : withoutQueryValues(error.cause, depth + 1)
  if (error instanceof DrizzleQueryError) {
    const safe = new Error(`Failed query: ${error.query}`, { cause })
    safe.name = 'DrizzleQueryError'
    // The stack's first line is the message, values and all: the frames after it are kept.
    const header = `${error.name}: ${error.message}`
    const frames = error.stack?.startsWith(header) ? error.stack.slice(header.length) : ''
    safe.stack = `${safe.name}: ${safe.message}${frames}`
    Object.assign(safe, { query: error.query })
    return safe
  }
  const own = Object.keys(error)
  if (cause === error.cause && !own.some((key) => valueFields.has(key))) return error
  const safe = Object.create(Object.getPrototypeOf(error)) as Error
  for (const key of own)
    if (!valueFields.has(key))
      (safe as unknown as Record<string, unknown>)[key] = (error as unknown as Record<string, unknown>)[key]
  Object.defineProperties(safe, {
    message: { value: error.message, writable: true, configurable: true },
    stack: { value: error.stack, writable: true, configurable: true },
    cause: { value: cause, writable: true, configurable: true },
  })
  return safe
}
