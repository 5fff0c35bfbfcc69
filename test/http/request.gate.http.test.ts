import assert from 'node:assert/strict'
import { test } from 'node:test'
import { gateStages } from '../../src/app.ts'
import { AppError } from '../../src/platform/http/errors.catalogue.ts'
import { withHeaders } from '../../src/platform/http/request.gate.ts'
import { build } from '../support/app.builder.ts'
import { listening, servedByLane } from '../support/http.listening.ts'
import { createQueuedEvent } from '../support/test.data.ts'

const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0' }

/** Leaves out what differs per request: its id and where it was. */
const comparable = (problem: Record<string, unknown>) => {
  const { requestId, instance, ...rest } = problem
  assert.equal(typeof requestId, 'string')
  assert.equal(typeof instance, 'string')
  return rest
}

test('a gate check refuses the same way on every lane route and on a Fastify route', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app)
  // A check that refuses whatever carries the header, asynchronously, as a Redis-backed one would.
  app.requestGate.add(
    {
      name: 'refuse-marked',
      classes: 'all',
      check: async (request) => {
        if (request.headers['x-refuse'] !== undefined)
          throw withHeaders(
            new AppError('BW_RATE_LIMITED', 'refused by the gate', { retryAfterSeconds: 7 }),
            {
              'ratelimit-limit': '1',
            },
          )
      },
    },
    gateStages.rateLimit,
  )
  const http = await listening(app)
  const guest = await http('POST', '/api/v1/auth/guest')
  assert.equal(guest.status, 201)
  const auth = { authorization: `Bearer ${guest.body.accessToken}` }
  const joined = await http('POST', `/api/v1/events/${eventId}/queue/join`, auth)
  assert.equal(joined.status, 201)
  const ticket = { 'x-queue-ticket': joined.body.ticket }

  const routes: [string, string, Record<string, string>, boolean][] = [
    ['POST', '/api/v1/auth/guest', {}, true],
    ['POST', `/api/v1/events/${eventId}/queue/join`, auth, true],
    ['POST', `/api/v1/events/${eventId}/queue/join?guest=true`, {}, true],
    ['GET', `/api/v1/events/${eventId}/queue/status`, ticket, true],
    ['POST', `/api/v1/events/${eventId}/queue/enter`, { ...auth, ...ticket }, true],
    // Fastify's own routes.
    ['GET', '/api/v1/events', {}, false],
    ['GET', `/api/v1/events/${eventId}`, {}, false],
    ['GET', '/api/v1/me', auth, false],
  ]
  const answers = []
  for (const [method, path, headers, lane] of routes) {
    const refused = await http(method, path, { ...headers, 'x-refuse': '1' })
    assert.equal(refused.status, 429, `${method} ${path}: ${JSON.stringify(refused.body)}`)
    assert.equal(refused.headers.get('retry-after'), '7')
    assert.equal(refused.headers.get('ratelimit-limit'), '1')
    assert.match(refused.headers.get('content-type') ?? '', /^application\/problem\+json/)
    assert.equal(refused.body.instance, path.split('?')[0])
    answers.push(comparable(refused.body))
    // Without the mark, the same request goes through.
    const passed = await http(method, path, headers)
    assert.notEqual(passed.status, 429, `${method} ${path} unmarked`)
    assert.equal(servedByLane(passed.headers), lane, `${method} ${path} is served by the path expected`)
  }
  for (const answer of answers) assert.deepEqual(answer, answers[0])
  // And through app.inject, Fastify's path for the lane's routes too.
  const injected = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/guest',
    headers: { 'x-refuse': '1' },
  })
  assert.equal(injected.statusCode, 429)
  assert.deepEqual(comparable(injected.json()), answers[0])
})

test('checks run in stage order and a class no check looks at is not stopped', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app)
  const seen: string[] = []
  const record = (name: string, refuse: boolean) => ({
    name,
    classes: ['join' as const],
    check: () => {
      seen.push(name)
      if (refuse) throw new AppError('BW_FORBIDDEN', `refused by ${name}`)
    },
  })
  app.requestGate.add(record('inspection', true), gateStages.inspection)
  app.requestGate.add(record('blocklist', false), gateStages.blocklist)
  const http = await listening(app)
  const refused = await http('POST', `/api/v1/events/${eventId}/queue/join?guest=true`)
  assert.equal(refused.status, 403)
  assert.equal(refused.body.detail, 'refused by inspection')
  assert.deepEqual(seen, ['blocklist', 'inspection'])
  const guest = await http('POST', '/api/v1/auth/guest')
  assert.equal(guest.status, 201, 'guest sign-in is not a join: neither check runs')
  assert.deepEqual(seen, ['blocklist', 'inspection'])
})

test('per-address limits on guests and joins: 429 with Retry-After and RateLimit headers', async (t) => {
  const app = await build(t, { ...env, RATE_LIMIT_GUEST_PER_MINUTE: '20', RATE_LIMIT_JOIN_PER_MINUTE: '32' })
  const eventId = await createQueuedEvent(app)
  const http = await listening(app)
  const join = `/api/v1/events/${eventId}/queue/join`
  const first = await http('POST', '/api/v1/auth/guest')
  const auth = { authorization: `Bearer ${first.body.accessToken}` }
  const statuses: number[] = [first.status]
  for (let i = 0; i < 7; i++) statuses.push((await http('POST', '/api/v1/auth/guest')).status)
  assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429, 429, 429])
  const refused = await http('POST', '/api/v1/auth/guest')
  assert.equal(refused.body.code, 'BW_RATE_LIMITED')
  assert.ok(Number(refused.headers.get('retry-after')) >= 1)
  assert.equal(refused.headers.get('ratelimit-limit'), '5')
  assert.equal(refused.headers.get('ratelimit-policy'), '5;w=15')
  assert.equal(refused.headers.get('ratelimit-remaining'), '0')
  assert.ok(Number(refused.headers.get('ratelimit-reset')) >= 1)
  // A join that makes a guest is a guest sign-in too: the guests are spent.
  assert.equal((await http('POST', `${join}?guest=true`)).status, 429)
  // X-Forwarded-For from an untrusted peer changes nothing.
  assert.equal((await http('POST', '/api/v1/auth/guest', { 'x-forwarded-for': '203.0.113.9' })).status, 429)
  // Fastify's path (inject) counts against the same address.
  assert.equal((await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })).statusCode, 429)

  // Joins have a count of their own, and the refused guest-join above took nothing from it: 8, then 429.
  const joined = await http('POST', join, auth)
  const joins: number[] = [joined.status]
  for (let i = 0; i < 8; i++) joins.push((await http('POST', join, auth)).status)
  assert.deepEqual(joins, [201, 200, 200, 200, 200, 200, 200, 200, 429])
  // Status polls are never limited.
  const ticket = { 'x-queue-ticket': joined.body.ticket }
  for (let i = 0; i < 30; i++)
    assert.equal((await http('GET', `/api/v1/events/${eventId}/queue/status`, ticket)).status, 200)
})

test('behind a trusted proxy each forwarded address has its own limit, IPv6 by /64', async (t) => {
  const app = await build(t, { ...env, RATE_LIMIT_GUEST_PER_MINUTE: '8', TRUST_PROXY: 'loopback' })
  const http = await listening(app)
  const from = (address: string) => http('POST', '/api/v1/auth/guest', { 'x-forwarded-for': address })
  assert.equal((await from('198.51.100.1')).status, 201)
  assert.equal((await from('198.51.100.1')).status, 201)
  assert.equal((await from('198.51.100.1')).status, 429)
  assert.equal((await from('198.51.100.2')).status, 201, 'another address has its own count')
  // A client cannot slip in a different address in front of the proxy's: the proxy's entry counts.
  assert.equal((await from('10.9.9.9, 198.51.100.1')).status, 429)
  // Two addresses in one /64 share a count; the next /64 does not.
  assert.equal((await from('2001:db8:1:2::1')).status, 201)
  assert.equal((await from('2001:db8:1:2:ffff::7')).status, 201)
  assert.equal((await from('2001:db8:1:2::abcd')).status, 429)
  assert.equal((await from('2001:db8:1:3::1')).status, 201)
})

test('a signed-in account has limits of its own, whatever address it comes from', async (t) => {
  const app = await build(t, { ...env, TRUST_PROXY: 'loopback', RATE_LIMIT_JOIN_ACCOUNT_PER_MINUTE: '8' })
  const eventId = await createQueuedEvent(app)
  const http = await listening(app)
  const join = `/api/v1/events/${eventId}/queue/join`
  const signIn = async () => `Bearer ${(await http('POST', '/api/v1/auth/guest')).body.accessToken}`
  const first = await signIn()
  // 8 a minute per account: 2 at once, then 429 from any address.
  const statuses: number[] = []
  for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
    statuses.push((await http('POST', join, { authorization: first, 'x-forwarded-for': address })).status)
  assert.deepEqual(statuses, [201, 200, 429])
  const refused = await http('POST', join, { authorization: first, 'x-forwarded-for': '198.51.100.4' })
  assert.equal(refused.status, 429)
  assert.equal(refused.body.detail, 'Too many join requests for this account; try again later')
  assert.equal(refused.headers.get('ratelimit-limit'), '2')
  assert.ok(Number(refused.headers.get('retry-after')) >= 1)
  // Another account from the same address has its own count.
  const second = await signIn()
  assert.equal(
    (await http('POST', join, { authorization: second, 'x-forwarded-for': '198.51.100.1' })).status,
    201,
  )
  // A token that does not verify is not an account: its join is refused by the route, not counted.
  const forged = `${first.slice(0, -4)}AAAA`
  for (let i = 0; i < 3; i++) assert.equal((await http('POST', join, { authorization: forged })).status, 401)
})

test('holds and orders are limited per address, before the route looks at the token', async (t) => {
  const app = await build(t, { ...env, RATE_LIMIT_HOLDS_PER_MINUTE: '4', RATE_LIMIT_ORDERS_PER_MINUTE: '4' })
  const eventId = await createQueuedEvent(app)
  const http = await listening(app)
  const hold = `/api/v1/events/${eventId}/holds`
  assert.equal((await http('POST', hold)).status, 401)
  const refused = await http('POST', hold)
  assert.equal(refused.status, 429)
  assert.equal(refused.body.detail, 'Too many holds requests from this address; try again later')
  assert.equal((await http('POST', '/api/v1/orders')).status, 401)
  assert.equal((await http('POST', '/api/v1/orders')).status, 429)
  // Reading is not limited.
  for (let i = 0; i < 5; i++) assert.equal((await http('GET', '/api/v1/events')).status, 200)
})
