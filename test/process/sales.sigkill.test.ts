import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import { openDatabase } from '../../src/platform/data/database.client.ts'
import { noRateLimits } from '../support/app.builder.ts'
import { createTestDatabase, testTokenSecret } from '../support/postgres.database.ts'
import { freePort } from '../support/redis.server.ts'
import { startServerProcess } from '../support/server.process.ts'
import { eventInput } from '../support/test.data.ts'

/** The few response members this test reads. */
interface Body {
  accessToken: string
  id: string
  holdId: string
  status: string
  remaining: number
}

const admin = { email: 'admin@breakwater.test', password: 'admin-password-1' }

test('SIGKILL mid-load: every acknowledged order survives the restart and stock adds up', async (t) => {
  if (!process.env.TEST_DATABASE_URL) return t.skip('TEST_DATABASE_URL is not set')
  const url = await createTestDatabase(t)
  const database = await openDatabase({ url })
  await database.migrate()
  await database.close()

  const port = String(await freePort())
  const env = {
    DATABASE_URL: url,
    TOKEN_SECRET: testTokenSecret,
    PORT: port,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    // Buyers here are guests from one address; the per-address limits have tests of their own.
    ...noRateLimits,
  }
  const base = `http://127.0.0.1:${port}`
  const call = async (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<{ status: number; json(): Promise<Body> }> =>
    (await fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(5000),
    })) as { status: number; json(): Promise<Body> }

  const server = await startServerProcess(t, env)
  const login = await (await call('/api/v1/auth/login', { method: 'POST', body: admin })).json()
  const created = await call('/api/v1/events', {
    method: 'POST',
    headers: { authorization: `Bearer ${login.accessToken}` },
    body: eventInput({ capacity: 2000 }),
  })
  const eventId = (await created.json()).id as string

  const acknowledged: { orderId: string; authorization: string }[] = []
  let stop = false
  const buyer = async () => {
    for (let i = 0; i < 1000 && !stop; i++) {
      try {
        const guest = await (await call('/api/v1/auth/guest', { method: 'POST' })).json()
        const authorization = `Bearer ${guest.accessToken}`
        const hold = await call(`/api/v1/events/${eventId}/holds`, {
          method: 'POST',
          headers: { authorization },
          body: { quantity: 1 },
        })
        if (hold.status !== 201) continue
        const order = await call('/api/v1/orders', {
          method: 'POST',
          headers: { authorization, 'idempotency-key': `k-${i}` },
          body: { holdId: (await hold.json()).holdId, paymentToken: 'tok_approved' },
        })
        if (order.status === 201) {
          const body = await order.json()
          if (body.status === 'paid') acknowledged.push({ orderId: body.id, authorization })
        }
      } catch {
        // The server died under us: whatever was not acknowledged may or may not exist.
      }
    }
  }
  const load = Promise.all(Array.from({ length: 10 }, buyer))
  await new Promise((resolve) => setTimeout(resolve, 2500))
  server.child.kill('SIGKILL')
  await server.exited
  stop = true
  await load
  assert.ok(acknowledged.length > 0, 'no order was acknowledged before the kill')

  await startServerProcess(t, env)
  for (const { orderId, authorization } of acknowledged) {
    const response = await call(`/api/v1/orders/${orderId}`, { headers: { authorization } })
    assert.equal(response.status, 200, `acknowledged order ${orderId} is missing`)
    assert.equal((await response.json()).status, 'paid')
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query(
      `SELECT s.capacity, s.sold, (SELECT coalesce(sum(quantity), 0)::int FROM holds h
         WHERE h.event_id = s.id AND h.state IN ('active', 'ordered', 'sold')) AS taken,
         (SELECT count(*)::int FROM orders o WHERE o.event_id = s.id AND o.status = 'paid') AS paid
       FROM stock s WHERE s.kind = 'event' AND s.id = $1`,
      [eventId],
    )
    const [row] = rows
    assert.equal(row.sold, row.taken, 'the stock counter disagrees with the live holds')
    const remaining = (await (await call(`/api/v1/events/${eventId}`)).json()).remaining
    assert.equal(row.sold + remaining, row.capacity)
    assert.ok(row.paid >= acknowledged.length)
    t.diagnostic(`acknowledged ${acknowledged.length} orders before SIGKILL; ${row.paid} paid after restart`)
  } finally {
    await client.end()
  }
})
