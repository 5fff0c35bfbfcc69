import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { hashingBound } from '../../src/modules/accounts/password.hasher.ts'
import { build, testAdmin } from '../support/app.builder.ts'

/** A sign-in from `address` (believed because the app trusts the loopback proxy). */
function login(app: FastifyInstance, address: string, payload: { email: string; password: string }) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { 'x-forwarded-for': address },
    payload,
  })
}

const wrong = { email: testAdmin.email, password: 'not the admin password' }

test('wrong passwords for one account: 429 with Retry-After after 5, while other addresses still sign in', async (t) => {
  // The per-address limit of the gate is off here, so what refuses is the account's own limit.
  const app = await build(t, { TRUST_PROXY: 'loopback', RATE_LIMIT_LOGIN_PER_MINUTE: '0' })
  const statuses: number[] = []
  for (let i = 0; i < 8; i++) statuses.push((await login(app, '198.51.100.7', wrong)).statusCode)
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429])
  const refused = await login(app, '198.51.100.7', testAdmin)
  assert.equal(refused.statusCode, 429, 'from the guessing address even the right password waits')
  assert.equal(refused.json().code, 'BW_RATE_LIMITED')
  const retryAfter = Number(refused.headers['retry-after'])
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `one attempt a minute: Retry-After ${retryAfter}`)
  assert.equal(refused.headers['ratelimit-limit'], '5')
  assert.match(String(refused.headers['content-type']), /^application\/problem\+json/)

  assert.equal(
    (await login(app, '203.0.113.20', testAdmin)).statusCode,
    200,
    'the admin elsewhere is not locked out',
  )
  // Guesses spread over many addresses: the account's overall limit (20) holds them back too.
  for (let i = 1; i <= 15; i++) assert.equal((await login(app, `192.0.2.${i}`, wrong)).statusCode, 401)
  const spread = await login(app, '192.0.2.99', wrong)
  assert.equal(spread.statusCode, 429)
  assert.ok(Number(spread.headers['retry-after']) > 60, 'the overall limit waits longer: one every 5 minutes')
})

test('sign-ins and registrations are limited per address by the request gate', async (t) => {
  const app = await build(t, { TRUST_PROXY: 'loopback', RATE_LIMIT_LOGIN_PER_MINUTE: '20' })
  const statuses: number[] = []
  // A different account each time: the per-account limit never fires, the address's does.
  for (let i = 0; i < 4; i++)
    statuses.push(
      (await login(app, '198.51.100.8', { email: `u${i}@example.com`, password: 'x' })).statusCode,
    )
  const register = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    headers: { 'x-forwarded-for': '198.51.100.8' },
    payload: { email: 'new@example.com', password: 'a long enough password' },
  })
  statuses.push(register.statusCode)
  for (let i = 0; i < 2; i++)
    statuses.push(
      (await login(app, '198.51.100.8', { email: `v${i}@example.com`, password: 'x' })).statusCode,
    )
  assert.deepEqual(statuses, [401, 401, 401, 401, 201, 429, 429])
  const refused = await login(app, '198.51.100.8', testAdmin)
  assert.equal(refused.json().code, 'BW_RATE_LIMITED')
  assert.ok(Number(refused.headers['retry-after']) >= 1)
  assert.equal((await login(app, '198.51.100.9', testAdmin)).statusCode, 200)
})

test('a flood of parallel sign-ins is refused at once beyond the hashing bound; a real sign-in still gets in', async (t) => {
  const app = await build(t, { TRUST_PROXY: 'loopback' })
  const flood = 40
  const order: string[] = []
  // Forty guessers, each from an address and at an account of its own, so no rate limit applies:
  // only the bound on password hashes computed at once stands between them and the thread pool.
  const answers = await Promise.all(
    Array.from({ length: flood }, async (_, i) => {
      const response = await login(app, `2001:db8:${i + 1}::1`, {
        email: `guess${i}@example.com`,
        password: 'a wrong password',
      })
      order.push(String(response.statusCode))
      return response
    }),
  )
  const busy = answers.filter((r) => r.statusCode === 503)
  const checked = answers.filter((r) => r.statusCode === 401)
  assert.equal(busy.length + checked.length, flood)
  // Without the bound (e.g. hashingBound.waiting = 100) every guess is hashed and none is refused.
  assert.ok(busy.length >= flood - hashingBound.running - hashingBound.waiting - 2, `${busy.length} refused`)
  for (const refused of busy) {
    assert.equal(refused.json().code, 'BW_BUSY')
    assert.equal(refused.headers['retry-after'], '1')
  }
  // Refused at once, not after waiting for a hash: every refusal came before the first checked password.
  assert.ok(order.indexOf('401') > order.lastIndexOf('503'), order.join(' '))

  // Meanwhile a real user, honouring Retry-After, signs in.
  const again = Array.from({ length: flood }, (_, i) =>
    login(app, `2001:db8:${i + 100}::1`, { email: `more${i}@example.com`, password: 'a wrong password' }),
  )
  let admin = await login(app, '203.0.113.1', testAdmin)
  for (let tries = 0; admin.statusCode === 503 && tries < 10; tries++) {
    await new Promise((resolve) => setTimeout(resolve, Number(admin.headers['retry-after']) * 1000))
    admin = await login(app, '203.0.113.1', testAdmin)
  }
  assert.equal(admin.statusCode, 200, admin.body)
  await Promise.all(again)
})
