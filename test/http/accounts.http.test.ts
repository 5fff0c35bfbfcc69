import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { standingCache } from '../../src/platform/security/account.standing.ts'
import { bearer, build, testAdmin } from '../support/app.builder.ts'
import { createEvent, createQueuedEvent, eventInput } from '../support/test.data.ts'

test('a guest gets a token that /me accepts, with no account row', async (t) => {
  const app = await build(t)
  const guest = await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
  assert.equal(guest.statusCode, 201)
  const session = guest.json()
  assert.equal(session.user.guest, true)
  assert.equal(session.user.role, 'customer')
  const me = await app.inject({
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${session.accessToken}` },
  })
  assert.equal(me.statusCode, 200)
  assert.equal(me.json().id, session.user.id)
  const rows = await app.database.rows<{ n: number }>(
    (await import('drizzle-orm')).sql`SELECT count(*)::int AS n FROM users WHERE id = ${session.user.id}`,
  )
  assert.equal(rows[0]?.n, 0)
})

test('register, login and /me; the password is never answered', async (t) => {
  const app = await build(t)
  const credentials = { email: 'Fan@Example.com', password: 'correct horse battery' }
  const registered = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: credentials })
  assert.equal(registered.statusCode, 201)
  assert.equal(registered.body.includes(credentials.password), false)
  assert.equal(registered.body.includes('passwordHash'), false)

  const again = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { ...credentials, email: 'fan@example.COM' },
  })
  assert.equal(again.statusCode, 409)
  assert.equal(again.json().code, 'BW_EMAIL_TAKEN')

  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'fan@example.com', password: credentials.password },
  })
  assert.equal(login.statusCode, 200)
  const me = await app.inject({
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${login.json().accessToken}` },
  })
  assert.deepEqual(
    { email: me.json().email, role: me.json().role },
    { email: credentials.email, role: 'customer' },
  )

  for (const payload of [
    { email: 'fan@example.com', password: 'wrong password!' },
    { email: 'nobody@example.com', password: credentials.password },
  ]) {
    const refused = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload })
    assert.equal(refused.statusCode, 401)
    assert.equal(refused.json().code, 'BW_BAD_CREDENTIALS')
  }
})

test('the admin from ADMIN_EMAIL can sign in as admin', async (t) => {
  const app = await build(t)
  const me = await app.inject({ url: '/api/v1/me', headers: await bearer(app, 'admin') })
  assert.equal(me.json().role, 'admin')
  assert.equal(me.json().email, testAdmin.email)
})

test('missing, malformed, forged and expired access tokens are refused with 401', async (t) => {
  const app = await build(t)
  const { authorization } = await bearer(app, 'guest')
  const token = authorization.slice('Bearer '.length)
  const [header, payload, signature = ''] = token.split('.')
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), role: 'admin' }),
  ).toString('base64url')
  const otherApp = await build(t)
  const foreign = (await bearer(otherApp, 'guest')).authorization
  const cases: Record<string, string | undefined> = {
    missing: undefined,
    'wrong scheme': `Basic ${token}`,
    truncated: `Bearer ${token.slice(0, -5)}`,
    'tampered payload': `Bearer ${header}.${forgedPayload}.${signature}`,
    'signed by another secret': foreign,
    'alg none': `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
  }
  for (const [name, value] of Object.entries(cases)) {
    const response = await app.inject({ url: '/api/v1/me', headers: value ? { authorization: value } : {} })
    assert.equal(response.statusCode, 401, name)
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', name)
  }
  const expired = await build(t, { ACCESS_TOKEN_TTL_SECONDS: '60' })
  const expiredToken = await expired.accessTokens.sign({ id: 'x', role: 'customer', guest: true })
  const realNow = Date.now
  t.mock.method(Date, 'now', () => realNow() + 120_000)
  const late = await expired.inject({
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${expiredToken.token}` },
  })
  assert.equal(late.statusCode, 401)
  assert.match(late.json().detail, /expired/)
})

test('admin-only routes answer 403 to customers and 401 to strangers', async (t) => {
  const app = await build(t)
  const body = {
    name: 'x',
    salesOpenAt: new Date().toISOString(),
    capacity: 10,
    priceCents: 100,
    currency: 'USD',
  }
  const customer = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: await bearer(app, 'guest'),
    payload: body,
  })
  assert.equal(customer.statusCode, 403)
  assert.equal(customer.json().code, 'BW_FORBIDDEN')
  const stranger = await app.inject({ method: 'POST', url: '/api/v1/events', payload: body })
  assert.equal(stranger.statusCode, 401)
})

/** Registers a customer; returns its id and bearer header. */
async function registered(
  app: FastifyInstance,
  email: string,
  password = 'correct horse battery',
): Promise<{ id: string; authorization: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password },
  })
  assert.equal(response.statusCode, 201, response.body)
  return { id: response.json().user.id, authorization: `Bearer ${response.json().accessToken}` }
}

async function signIn(app: FastifyInstance, email: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } })
}

/** What each sensitive route answers the bearer header: admin route, event creation, holds, orders, /me. */
async function sensitiveAnswers(
  app: FastifyInstance,
  eventId: string,
  authorization: string,
): Promise<Record<string, string>> {
  const headers = { authorization }
  const answers = {
    'create event': await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers,
      payload: eventInput(),
    }),
    'event orders': await app.inject({ url: `/api/v1/events/${eventId}/orders`, headers }),
    'pause queue': await app.inject({
      method: 'PATCH',
      url: `/api/v1/events/${eventId}/queue`,
      headers,
      payload: { state: 'paused' },
    }),
    hold: await app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/holds`,
      headers,
      payload: { quantity: 1 },
    }),
    orders: await app.inject({ url: '/api/v1/orders', headers }),
    me: await app.inject({ url: '/api/v1/me', headers }),
  }
  return Object.fromEntries(
    Object.entries(answers).map(([name, response]) => [
      name,
      `${response.statusCode} ${response.statusCode >= 400 ? response.json().code : ''}`.trim(),
    ]),
  )
}

const refusedEverywhere = {
  'create event': '401 BW_TOKEN_INVALID',
  'event orders': '401 BW_TOKEN_INVALID',
  'pause queue': '401 BW_TOKEN_INVALID',
  hold: '401 BW_TOKEN_INVALID',
  orders: '401 BW_TOKEN_INVALID',
  me: '401 BW_TOKEN_INVALID',
}

test('an admin demoted, given a new password, then deleted: each step ends the tokens before it', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const eventId = await createEvent(app, admin)
  const { id } = await registered(app, 'second-admin@example.com')
  await app.accounts.changeRole(id, 'admin')
  const asAdmin = await signIn(app, 'second-admin@example.com', 'correct horse battery')
  const adminToken = `Bearer ${asAdmin.json().accessToken}`
  assert.equal((await sensitiveAnswers(app, eventId, adminToken))['create event'], '201')

  await app.accounts.changeRole(id, 'customer')
  assert.deepEqual(await sensitiveAnswers(app, eventId, adminToken), refusedEverywhere)
  const asCustomer = `Bearer ${(await signIn(app, 'second-admin@example.com', 'correct horse battery')).json().accessToken}`
  assert.deepEqual(await sensitiveAnswers(app, eventId, asCustomer), {
    'create event': '403 BW_FORBIDDEN',
    'event orders': '403 BW_FORBIDDEN',
    'pause queue': '403 BW_FORBIDDEN',
    hold: '201',
    orders: '200',
    me: '200',
  })

  await app.accounts.changePassword(id, 'another horse battery')
  assert.deepEqual(await sensitiveAnswers(app, eventId, asCustomer), refusedEverywhere)
  assert.equal((await signIn(app, 'second-admin@example.com', 'correct horse battery')).statusCode, 401)
  const afterReset = await signIn(app, 'second-admin@example.com', 'another horse battery')
  assert.equal(afterReset.statusCode, 200)
  const latest = `Bearer ${afterReset.json().accessToken}`

  await app.accounts.deleteAccount(id)
  assert.deepEqual(await sensitiveAnswers(app, eventId, latest), refusedEverywhere)
  assert.equal((await signIn(app, 'second-admin@example.com', 'another horse battery')).statusCode, 401)
  // The configured admin was never touched.
  assert.equal((await sensitiveAnswers(app, eventId, admin.authorization))['create event'], '201')
})

test('an account deleted behind the app (another replica, SQL) is refused once the standing cache expires', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const eventId = await createEvent(app, admin)
  await app.database.rows(sql`DELETE FROM users WHERE lower(email) = lower(${testAdmin.email})`)
  const realNow = Date.now
  t.mock.method(Date, 'now', () => realNow() + standingCache.ttlMs + 1)
  assert.deepEqual(await sensitiveAnswers(app, eventId, admin.authorization), refusedEverywhere)
})

test('an admin demoted behind the app is refused on admin routes once the standing cache expires', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const eventId = await createEvent(app, admin)
  // Only the role, as an operator at a SQL prompt might: the token's role no longer matches.
  await app.database.rows(
    sql`UPDATE users SET role = 'customer' WHERE lower(email) = lower(${testAdmin.email})`,
  )
  const realNow = Date.now
  t.mock.method(Date, 'now', () => realNow() + standingCache.ttlMs + 1)
  const answers = await sensitiveAnswers(app, eventId, admin.authorization)
  assert.deepEqual([answers['create event'], answers['event orders']], Array(2).fill('401 BW_TOKEN_INVALID'))
})

test('logout answers 204 and ends every session of the account; a guest cannot log out', async (t) => {
  const app = await build(t)
  const eventId = await createEvent(app, await bearer(app, 'admin'))
  const first = await registered(app, 'leaving@example.com')
  const second = `Bearer ${(await signIn(app, 'leaving@example.com', 'correct horse battery')).json().accessToken}`
  const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: first })
  assert.equal(out.statusCode, 204)
  assert.equal(out.body, '')
  const [entry] = (await app.audit.page({ limit: 1, action: 'auth.logout' })).entries
  assert.deepEqual([entry?.action, entry?.target], ['auth.logout', first.id])
  for (const token of [first.authorization, second]) {
    const answers = await sensitiveAnswers(app, eventId, token)
    assert.deepEqual([answers.hold, answers.orders, answers.me], Array(3).fill('401 BW_TOKEN_INVALID'))
  }
  const again = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: first })
  assert.equal(again.statusCode, 401)
  // Signing in again works, with a token the logout did not touch.
  const back = `Bearer ${(await signIn(app, 'leaving@example.com', 'correct horse battery')).json().accessToken}`
  assert.equal((await app.inject({ url: '/api/v1/me', headers: { authorization: back } })).statusCode, 200)

  const guest = await bearer(app, 'guest')
  const guestOut = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: guest })
  assert.equal(guestOut.statusCode, 403)
  assert.equal(guestOut.json().code, 'BW_FORBIDDEN')
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode, 401)
})

test('a restart with the same ADMIN_PASSWORD keeps the admin signed in; a new one signs it out', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  await app.accounts.bootstrapAdmin(testAdmin.email, testAdmin.password)
  assert.equal((await app.inject({ url: '/api/v1/me', headers: admin })).statusCode, 200)
  await app.accounts.bootstrapAdmin(testAdmin.email, 'a brand new admin password')
  assert.equal((await app.inject({ url: '/api/v1/me', headers: admin })).statusCode, 401)
})

test("the crowd's routes (guest, join, status, enter) never look an account up", async (t) => {
  const app = await build(t)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 100 })
  const account = await registered(app, 'crowd@example.com')
  const confirm = t.mock.method(app.accountStandings, 'confirm')
  const guestJoin = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/join?guest=true`,
  })
  assert.equal(guestJoin.statusCode, 201)
  const join = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/join`,
    headers: account,
  })
  assert.equal(join.statusCode, 201)
  const ticket = join.json().ticket
  const status = await app.inject({
    url: `/api/v1/events/${eventId}/queue/status`,
    headers: { 'x-queue-ticket': ticket },
  })
  assert.equal(status.statusCode, 200)
  const enter = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/enter`,
    headers: { ...account, 'x-queue-ticket': ticket },
  })
  assert.ok([200, 409].includes(enter.statusCode), enter.body)
  assert.equal(confirm.mock.callCount(), 0)
})

test('every answer that carries a token or personal data is marked Cache-Control: no-store', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const eventId = await createEvent(app, admin)
  const credentials = { email: 'private@example.com', password: 'correct horse battery' }
  const answers: Record<string, { headers: Record<string, unknown> }> = {}
  answers.register = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: credentials })
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: credentials })
  answers.login = login
  answers['wrong password'] = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { ...credentials, password: 'not the password at all' },
  })
  answers.guest = await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
  const headers = { authorization: `Bearer ${login.json().accessToken}` }
  answers.me = await app.inject({ url: '/api/v1/me', headers })
  const hold = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/holds`,
    headers,
    payload: { quantity: 1 },
  })
  answers.hold = hold
  const order = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...headers, 'idempotency-key': 'no-store-1' },
    payload: { holdId: hold.json().holdId, paymentToken: 'tok_approved' },
  })
  answers.order = order
  answers.orders = await app.inject({ url: '/api/v1/orders', headers })
  answers['one order'] = await app.inject({ url: `/api/v1/orders/${order.json().id}`, headers })
  answers["an event's orders"] = await app.inject({ url: `/api/v1/events/${eventId}/orders`, headers: admin })
  answers['bad token'] = await app.inject({ url: '/api/v1/me', headers: { authorization: 'Bearer nope' } })
  answers.logout = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers })
  const marked = Object.fromEntries(
    Object.entries(answers).map(([name, r]) => [name, r.headers['cache-control']]),
  )
  assert.deepEqual(marked, Object.fromEntries(Object.keys(answers).map((name) => [name, 'no-store'])))
  // Public listings stay cacheable by whoever wants to.
  assert.notEqual((await app.inject({ url: '/api/v1/events' })).headers['cache-control'], 'no-store')
})

test('registration refuses short, common, repetitive and context-only passwords with a 400 naming the field', async (t) => {
  const app = await build(t)
  const cases = {
    'ten letters': 'aaaaaaaaaa',
    'eleven characters': 'tiny pass 1',
    'twelve of one letter': 'aaaaaaaaaaaa',
    common: 'iloveyousomuch',
    'common, capitalised': 'PeanutButter',
    'counted up': '123456789012',
    'the email and a little': 'refused@example.com1',
    'too long': `${'a quiet harbour '.repeat(8)}!`,
  }
  for (const [name, password] of Object.entries(cases)) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'refused@example.com', password },
    })
    assert.equal(response.statusCode, 400, name)
    const problem = response.json()
    assert.equal(problem.code, 'BW_VALIDATION', name)
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', name)
    assert.deepEqual(
      problem.errors.map((e: { field: string }) => e.field),
      ['password'],
      name,
    )
    assert.match(problem.detail, /^password /, name)
  }
  const accepted = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: 'refused@example.com', password: 'a calm river at noon' },
  })
  assert.equal(accepted.statusCode, 201)
  // A new password follows the same rule, and the refused one leaves the sessions alone.
  const { id } = accepted.json().user
  await assert.rejects(app.accounts.changePassword(id, 'qwerty123456'), { code: 'BW_VALIDATION' })
  const me = await app.inject({
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${accepted.json().accessToken}` },
  })
  assert.equal(me.statusCode, 200)
})
