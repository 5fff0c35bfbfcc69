import assert from 'node:assert/strict'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { type TestContext, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { isDatabaseUnavailable, openDatabase } from '../../src/platform/data/database.client.ts'
import { bearer, build, waitUntilReady } from '../support/app.builder.ts'
import { createTestDatabase, testTokenSecret } from '../support/postgres.database.ts'
import { startTcpProxy } from '../support/tcp.proxy.ts'
import { eventInput } from '../support/test.data.ts'

test('the same app runs on PostgreSQL: migrations, accounts and events', async (t) => {
  const url = await createTestDatabase(t)
  const app = await build(t, {
    DATABASE_URL: url,
    TOKEN_SECRET: testTokenSecret,
    ADMIN_EMAIL: undefined,
    ADMIN_PASSWORD: undefined,
  })
  assert.equal(app.database.kind, 'postgres')
  await app.database.migrate()
  // Applying them twice changes nothing: replicas may all run `breakwater migrate`.
  await Promise.all([app.database.migrate(), app.database.migrate()])
  await app.accounts.bootstrapAdmin('admin@breakwater.test', 'admin-password-1')

  const registered = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: 'pg@example.com', password: 'a long enough password' },
  })
  assert.equal(registered.statusCode, 201)
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: await bearer(app, 'admin'),
    payload: eventInput({
      salesOpenAt: '2030-01-01T10:00:00Z',
      seatMap: {
        sections: [
          {
            name: 'A',
            rows: [
              { name: '1', seats: 3 },
              { name: '2', seats: 4 },
            ],
          },
        ],
      },
    }),
  })
  assert.equal(created.statusCode, 201, created.body)
  const event = (await app.inject(`/api/v1/events/${created.json().id}`)).json()
  assert.deepEqual([event.kind, event.capacity, event.remaining], ['seated', 7, 7])
  assert.equal((await app.inject('/readyz')).statusCode, 200)
})

test('readiness goes 503 soon after PostgreSQL goes away, and 200 when it returns; requests answer 503', async (t) => {
  const { app, proxy } = await buildBehindProxy(t)
  assert.equal((await app.inject('/readyz')).statusCode, 200)

  await proxy.cut()
  const ready = await app.inject('/readyz')
  assert.equal(ready.statusCode, 503)
  assert.equal(ready.json().checks.database, 'unavailable')
  const events = await app.inject('/api/v1/events')
  assert.equal(events.statusCode, 503)
  assert.equal(events.json().code, 'BW_UNAVAILABLE')
  assert.equal(events.headers['retry-after'], '1')

  await proxy.restore()
  assert.equal(await waitUntilReady(app), 200)
})

test('PostgreSQL going away in the middle of a transaction fails that transaction, not the process', async (t) => {
  const { app, proxy } = await buildBehindProxy(t)
  // A checked-out client whose connection drops emits 'error'; unheard, that is an uncaught
  // exception, which fails this test.
  const transaction = app.database.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT 1`)
    await tx.execute(sql`SELECT pg_sleep(5)`)
  })
  const outcome = transaction.then(
    () => 'committed',
    (error: unknown) => (isDatabaseUnavailable(error) ? 'unavailable' : String(error)),
  )
  await new Promise((resolve) => setTimeout(resolve, 300))
  await proxy.cut()
  assert.equal(await outcome, 'unavailable', 'answered as the database being away, hence 503')
  await proxy.restore()
  assert.equal(await waitUntilReady(app), 200)
  await app.close()
})

test('a busy pool makes a request wait for a connection instead of failing as if the database were away', async (t) => {
  const database = await openDatabase({ url: await createTestDatabase(t), poolSize: 1 })
  t.after(() => database.close())
  // The only connection stays checked out for longer than opening one may take.
  const slow = database.rows(sql`SELECT pg_sleep(1.5)`)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const rows = await database.rows<{ answer: number }>(sql`SELECT 1 AS answer`)
  assert.deepEqual(rows, [{ answer: 1 }])
  await slow
})

test('a database that never answers the handshake is given up on by the connection, not by the pool wait', async (t) => {
  // Accepts the TCP connection and says nothing, as a hung server or a half-open network would.
  const sockets: Socket[] = []
  const silent = createServer((socket) => sockets.push(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const socket of sockets) socket.destroy()
    silent.close()
  })
  const { port } = silent.address() as AddressInfo
  const database = await openDatabase({ url: `postgres://postgres@127.0.0.1:${port}/none` })
  t.after(() => database.close())
  const error = await database.rows(sql`SELECT 1`).then(
    () => null,
    (caught: unknown) => caught,
  )
  assert.ok(error instanceof Error, 'the query must fail')
  assert.ok(isDatabaseUnavailable(error), String(error))
  const causes: string[] = []
  for (let e: unknown = error; e instanceof Error; e = e.cause) causes.push(e.message)
  assert.ok(
    // pg's connect timeout says "timeout expired"; the pool's wait would say "timeout exceeded…".
    causes.some((message) => /^timeout expired$/.test(message)),
    `the connection's own timeout must end it: ${causes.join(' <- ')}`,
  )
})

/** The app on a fresh database reached through a proxy the test can cut, migrated. */
async function buildBehindProxy(t: TestContext) {
  const url = new URL(await createTestDatabase(t))
  const proxy = await startTcpProxy(t, { host: url.hostname, port: Number(url.port || 5432) })
  url.host = `127.0.0.1:${proxy.port}`
  const app = await build(t, {
    DATABASE_URL: url.toString(),
    TOKEN_SECRET: testTokenSecret,
    ADMIN_EMAIL: undefined,
    ADMIN_PASSWORD: undefined,
  })
  await app.database.migrate()
  return { app, proxy }
}
