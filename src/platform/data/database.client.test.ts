import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import type pg from 'pg'
import { type Db, isDatabaseUnavailable, releasingTransaction } from './database.client.ts'

/** A pooled connection that answers from a script and records what it was sent and how it went back. */
class ScriptedClient {
  readonly sent: string[] = []
  readonly releases: (Error | undefined)[] = []
  constructor(private readonly answer: (text: string) => Error | null) {}

  async query(config: { text: string }) {
    this.sent.push(config.text)
    const failure = this.answer(config.text)
    if (failure) throw failure
    return { rows: [], rowCount: 0, fields: [], command: '' }
  }

  release(error?: Error) {
    this.releases.push(error)
  }
}

// drizzle tells a pool from a client by its constructor's name.
class ScriptedPool {
  constructor(readonly client: ScriptedClient) {}
  async connect() {
    return this.client as unknown as pg.PoolClient
  }
}

const lost = () => new Error('Connection terminated unexpectedly')
const withTransaction = (client: ScriptedClient) =>
  releasingTransaction(new ScriptedPool(client) as unknown as pg.Pool)

test('a transaction whose BEGIN finds the connection gone releases its client, as broken', async () => {
  const client = new ScriptedClient((text) => (text.startsWith('begin') ? lost() : null))
  let ran = false
  await assert.rejects(
    withTransaction(client)(async () => {
      ran = true
    }),
    isDatabaseUnavailable,
  )
  assert.equal(ran, false)
  assert.equal(client.releases.length, 1, 'released exactly once')
  assert.ok(isDatabaseUnavailable(client.releases[0]), 'with the error, so that the pool destroys it')
})

test('a transaction that commits, or fails on its own terms, hands a healthy client back', async () => {
  const committed = new ScriptedClient(() => null)
  const answer = await withTransaction(committed)(async (tx) => {
    await tx.execute(sql`SELECT 1`)
    return 'done'
  })
  assert.equal(answer, 'done')
  assert.deepEqual(committed.sent, ['begin', 'SELECT 1', 'commit'])
  assert.deepEqual(committed.releases, [undefined])

  // A refused statement (a constraint, say) rolls back; the connection itself is fine.
  const refused = new ScriptedClient((text) =>
    text === 'INSERT' ? Object.assign(new Error('duplicate key'), { code: '23505' }) : null,
  )
  await assert.rejects(
    withTransaction(refused)(async (tx) => {
      await tx.execute(sql.raw('INSERT'))
    }),
    /INSERT/,
  )
  assert.deepEqual(refused.sent, ['begin', 'INSERT', 'rollback'])
  assert.deepEqual(refused.releases, [undefined])
})

test("drizzle's own pooled transaction leaks the client when BEGIN fails (why releasingTransaction exists)", async () => {
  // If this starts failing, drizzle has fixed it upstream and releasingTransaction can go.
  const client = new ScriptedClient((text) => (text.startsWith('begin') ? lost() : null))
  const db = drizzle(new ScriptedPool(client) as unknown as pg.Pool) as unknown as Db
  await assert.rejects(db.transaction(async () => {}))
  assert.deepEqual(client.releases, [], 'never released: the pool slot is gone for good')
})
