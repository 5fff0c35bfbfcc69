import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { appOnPostgres, createTestDatabase, testTokenSecret } from '../support/postgres.database.ts'

/**
 * The audit log on real PostgreSQL: appends from two replicas at once keep one chain, the lab
 * switch that lifts their lock shows that this test sees a fork, the trigger refuses changes, and
 * `breakwater audit verify` finds a removed entry.
 */

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

/** Two apps on one database, as two replicas are; the database is migrated once. */
async function replicas(
  t: TestContext,
  env: Record<string, string> = {},
): Promise<[FastifyInstance, FastifyInstance]> {
  const url = await createTestDatabase(t)
  // Migrating twice is safe (it is what replicas started together do).
  return [await appOnPostgres(t, env, url), await appOnPostgres(t, env, url)]
}

/** `count` appends, `width` at a time, alternating between the replicas. */
async function appendTogether(apps: FastifyInstance[], count: number, width: number): Promise<void> {
  let next = 0
  const failures: unknown[] = []
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++
        const app = apps[i % apps.length] as FastifyInstance
        await app.audit
          .record({
            actor: { id: null, role: 'admin', ip: '192.0.2.1' },
            action: 'test.race',
            details: { i },
          })
          .catch((error) => failures.push(error))
      }
    }),
  )
  assert.deepEqual(failures.map(String), [])
}

test('two replicas appending 400 entries at once keep one unbroken chain', async (t) => {
  const [a, b] = await replicas(t)
  await appendTogether([a, b], 400, 40)
  const result = await a.audit.verify({ batch: 50 })
  assert.equal(result.broken, null)
  assert.equal(result.checked, 400)
  const [forks] = await a.database.rows<{ n: number }>(
    sql`SELECT count(*)::int AS n FROM (SELECT prev_hash FROM audit_log GROUP BY prev_hash HAVING count(*) > 1) f`,
  )
  assert.equal(forks?.n, 0)
})

test('lab switch off the append lock: the same appends fork the chain (the test can fail)', async (t) => {
  const [a, b] = await replicas(t, { LAB_MODE: 'true', LAB_DISABLE_GUARDS: 'audit' })
  // A race, so a few rounds at most until two entries follow the same one.
  let forks = 0
  for (let round = 0; round < 5 && forks === 0; round++) {
    await appendTogether([a, b], 400, 40)
    const [found] = await a.database.rows<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM (SELECT prev_hash FROM audit_log GROUP BY prev_hash HAVING count(*) > 1) f`,
    )
    forks = found?.n ?? 0
  }
  assert.ok(forks > 0, 'expected entries that follow the same entry')
  const result = await a.audit.verify()
  assert.ok(result.broken, 'verify must find the fork')
})

test('PostgreSQL refuses UPDATE, DELETE and TRUNCATE of the audit log, and verify finds a row removed behind the trigger', async (t) => {
  const [app] = await replicas(t)
  const ids: number[] = []
  for (let i = 0; i < 5; i++)
    ids.push(
      (
        await app.audit.record({
          actor: { id: null, role: null, ip: null },
          action: 'test.step',
          details: { i },
        })
      ).id,
    )
  for (const statement of [
    sql`UPDATE audit_log SET target = 'x'`,
    sql`DELETE FROM audit_log WHERE id = ${ids[0]}`,
    sql`TRUNCATE audit_log`,
  ])
    await assert.rejects(
      app.database.rows(statement),
      (error: Error & { cause?: { message?: string; code?: string } }) => {
        assert.match(error.cause?.message ?? '', /append-only/)
        assert.equal(error.cause?.code, '42501')
        return true
      },
    )

  const verify = (url: string) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', main, 'audit', 'verify', '--batch', '2'], {
      env: { ...process.env, DATABASE_URL: url, TOKEN_SECRET: testTokenSecret, LOG_LEVEL: 'silent' },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        stdout: error.stdout + error.stderr,
      }),
    )
  const url = await databaseUrl(app)
  const intact = await verify(url)
  assert.equal(intact.code, 0, intact.stdout)
  assert.match(intact.stdout, /audit log intact: 5 entries, last hash [0-9a-f]{64}/)

  // The owner (here the superuser) can lift the trigger; the removal still shows.
  await app.database.rows(sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`)
  await app.database.rows(sql`DELETE FROM audit_log WHERE id = ${ids[2]}`)
  const broken = await verify(url)
  assert.equal(broken.code, 3, broken.stdout)
  assert.match(
    broken.stdout,
    new RegExp(`audit log broken at entry ${ids[3]}: .*2 entries before it check out`),
  )
})

/** The URL of the app's database, from the same server, for a command run beside it. */
async function databaseUrl(app: FastifyInstance): Promise<string> {
  const [row] = await app.database.rows<{ name: string }>(sql`SELECT current_database() AS name`)
  const url = new URL(process.env.TEST_DATABASE_URL as string)
  url.pathname = `/${row?.name}`
  return url.toString()
}
