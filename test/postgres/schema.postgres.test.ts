import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { drizzle } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import pg from 'pg'
import { openDatabase } from '../../src/platform/data/database.client.ts'
import { createTestDatabase, testTokenSecret } from '../support/postgres.database.ts'
import { answers, spawnServerProcess, startServerProcess } from '../support/server.process.ts'

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url))

/** A database as an older release left it: only the first migration applied. */
async function olderDatabase(t: TestContext): Promise<string> {
  const url = await createTestDatabase(t)
  const folder = mkdtempSync(path.join(tmpdir(), 'bw-migrations-'))
  t.after(() => rmSync(folder, { recursive: true, force: true }))
  cpSync(migrationsFolder, folder, { recursive: true })
  const journalFile = path.join(folder, 'meta', '_journal.json')
  const journal = JSON.parse(readFileSync(journalFile, 'utf8'))
  journal.entries = journal.entries.slice(0, 1)
  writeFileSync(journalFile, JSON.stringify(journal))
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await migrate(drizzle(client), { migrationsFolder: folder })
  } finally {
    await client.end()
  }
  return url
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '')

for (const [state, database] of [
  ['an empty', createTestDatabase],
  ['an older', olderDatabase],
] as const) {
  test(`on ${state} database the server refuses to start, in one line naming the command to run`, async (t) => {
    const url = await database(t)
    const server = await spawnServerProcess(t, { DATABASE_URL: url, TOKEN_SECRET: testTokenSecret })
    assert.equal(await answers(server), false, 'the server must not serve')
    assert.notEqual(await server.exited, 0)
    const output = lines(server.output())
    assert.equal(output.length, 1, server.output())
    assert.match(output[0] ?? '', /database is behind.*breakwater migrate.*MIGRATE_ON_START=true/)
  })
}

test('with MIGRATE_ON_START=true an older database is migrated and the server serves', async (t) => {
  const url = await olderDatabase(t)
  const server = await startServerProcess(t, {
    DATABASE_URL: url,
    TOKEN_SECRET: testTokenSecret,
    MIGRATE_ON_START: 'true',
  })
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200)
  assert.equal((await fetch(`${server.url}/api/v1/events`)).status, 200)
  const check = await openDatabase({ url })
  t.after(() => check.close())
  assert.equal(await check.pendingMigrations(), 0)
})

test('replicas started together with MIGRATE_ON_START=true on an empty database all serve', async (t) => {
  const url = await createTestDatabase(t)
  const env = { DATABASE_URL: url, TOKEN_SECRET: testTokenSecret, MIGRATE_ON_START: 'true' }
  const replicas = await Promise.all([startServerProcess(t, env), startServerProcess(t, env)])
  for (const replica of replicas) {
    assert.equal((await fetch(`${replica.url}/api/v1/events`)).status, 200, replica.output())
  }
})

test('a database that cannot be reached refuses the start in one line, its password masked', async (t) => {
  const server = await spawnServerProcess(t, {
    // Port 1 on loopback: nothing listens there.
    DATABASE_URL: 'postgres://breakwater:hunter2-secret@127.0.0.1:1/breakwater',
    TOKEN_SECRET: testTokenSecret,
  })
  assert.equal(await answers(server), false, 'the server must not serve')
  assert.notEqual(await server.exited, 0)
  const output = lines(server.output())
  assert.equal(output.length, 1, server.output())
  assert.match(output[0] ?? '', /cannot reach the database at postgres:\/\/breakwater:\*\*\*@127\.0\.0\.1:1/)
  assert.doesNotMatch(server.output(), /hunter2/)
})
