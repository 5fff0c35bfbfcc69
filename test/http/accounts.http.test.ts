import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bearer, build, testAdmin } from '../support/app.builder.ts'

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
