import { randomBytes, randomUUID } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

/** A scratch database for one benchmark run: pgbench's hot row, and the app's own tables. */
export interface ScratchDatabase {
  url: URL
  /** A connection to the server itself (not the scratch database), for server-wide questions. */
  admin: pg.Client
  /** pgbench's script: the conditional stock update the design measures hold + order against. */
  script: string
  drop(): Promise<void>
}

/** Creates `<prefix>_<random>` on the server at `base`, with one hot row (`pgbench_hot_row`, apart from the app's own `stock`) for pgbench to update. */
export async function createScratchDatabase(base: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  const url = new URL(base)
  url.pathname = `/${name}`
  const script = join(tmpdir(), `breakwater-${name}.sql`)
  const drop = async () => {
    rmSync(script, { force: true })
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.end()
  }
  try {
    const scratch = new pg.Client({ connectionString: url.toString() })
    await scratch.connect()
    await scratch.query(
      'CREATE TABLE pgbench_hot_row (id int PRIMARY KEY, sold int NOT NULL, capacity int NOT NULL)',
    )
    await scratch.query('INSERT INTO pgbench_hot_row VALUES (1, 0, 2000000000)')
    await scratch.end()
    writeFileSync(
      script,
      'UPDATE pgbench_hot_row SET sold = sold + 1 WHERE id = 1 AND sold + 1 <= capacity;\n',
    )
  } catch (error) {
    await drop()
    throw error
  }
  return { url, admin, script, drop }
}

/**
 * The sales engine on the scratch database, without HTTP, and one purchase: hold one ticket of a
 * general-admission event that never sells out, then order it with a new Idempotency-Key.
 */
export async function startPurchaseApp(
  url: URL,
  name: string,
): Promise<{ app: FastifyInstance; purchase: () => Promise<void> }> {
  const app = await buildApp({
    config: loadConfig({
      DATABASE_URL: url.toString(),
      TOKEN_SECRET: randomBytes(32).toString('hex'),
      ROLE: 'api',
      LOG_LEVEL: 'silent',
      DATA_DIR: ':memory:',
    }),
    logger: false,
  })
  try {
    await app.ready()
    await app.database.migrate()
    const event = await app.events.create({
      name,
      salesOpenAt: new Date(Date.now() - 60_000).toISOString(),
      capacity: 10_000_000,
      priceCents: 1000,
      currency: 'USD',
      perUserLimit: 1,
      queue: { enabled: false },
    })
    const purchase = async () => {
      const userId = randomUUID()
      const hold = await app.holds.create(event.id, userId, { quantity: 1 }, undefined)
      await app.orders.create(userId, randomUUID(), { holdId: hold.holdId, paymentToken: 'tok_approved' })
    }
    return { app, purchase }
  } catch (error) {
    await app.close()
    throw error
  }
}
