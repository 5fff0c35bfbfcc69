import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { build } from '../support/app.builder.ts'
import { listening, servedByLane } from '../support/http.listening.ts'
import { bearer, createEvent } from '../support/test.data.ts'

// The tests drive the ticker and the refresh themselves.
const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000' }

// One app, served on a loopback port, for the whole file: each test makes its own event, so every
// line starts at number 1.
let app: FastifyInstance
let http: Awaited<ReturnType<typeof listening>>
let admin: { authorization: string }
before(async () => {
  app = await build(null, env)
  http = await listening(app)
  admin = await bearer(app, 'admin')
})
after(() => app?.close())

/** A fresh event's three lane routes. */
async function line() {
  const eventId = await createEvent(app, admin, {
    capacity: 1000,
    queue: { enabled: true, admissionRatePerSec: 10, maxActive: 100 },
  })
  const queue = `/api/v1/events/${eventId}/queue`
  return { eventId, join: `${queue}/join`, status: `${queue}/status`, enter: `${queue}/enter` }
}

/** A guest signed in on the lane who has joined `join`'s line. */
async function joinedGuest(join: string) {
  const guest = await http('POST', '/api/v1/auth/guest')
  const auth = { authorization: `Bearer ${guest.body.accessToken}` }
  const joined = await http('POST', join, auth)
  assert.equal(joined.status, 201)
  return { auth, ticket: joined.body.ticket as string }
}

/** Runs the ticker until number 1 is called: the first tick only starts the ticker's clock. */
async function callTheFirst() {
  const start = Date.now()
  await app.waitingRoom.ticker.tick(start + 1000)
  await app.waitingRoom.ticker.tick(start + 2000)
  await app.waitingRoom.refresh()
}

describe('the lane answers guest, join, status and enter over HTTP as Fastify answers them', () => {
  test('a guest sign-in on the lane is a fresh guest, not cached, with a request id', async () => {
    const guest = await http('POST', '/api/v1/auth/guest')
    assert.equal(guest.status, 201)
    assert.ok(servedByLane(guest.headers))
    assert.equal(guest.headers.get('cache-control'), 'no-store')
    assert.equal(guest.headers.get('x-content-type-options'), 'nosniff')
    assert.match(guest.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
    assert.equal(guest.body.user.guest, true)
  })

  test('a join on the lane gives a number and a ticket; again, on either path, the same ticket', async () => {
    const { join } = await line()
    const guest = await http('POST', '/api/v1/auth/guest')
    const auth = { authorization: `Bearer ${guest.body.accessToken}` }
    const joined = await http('POST', join, auth)
    assert.equal(joined.status, 201)
    assert.ok(servedByLane(joined.headers))
    assert.equal(joined.body.number, 1)
    assert.equal(joined.body.session, undefined)
    const again = await http('POST', join, auth)
    assert.equal(again.status, 200)
    assert.equal(again.body.ticket, joined.body.ticket)
    // The same user through Fastify: the same ticket.
    const injected = await app.inject({ method: 'POST', url: join, headers: auth })
    assert.equal(injected.statusCode, 200)
    assert.equal(injected.json().ticket, joined.body.ticket)
  })

  test('a status poll on the lane answers what Fastify answers', async () => {
    const { join, status } = await line()
    const { ticket } = await joinedGuest(join)
    await app.waitingRoom.refresh()
    const polled = await http('GET', status, { 'x-queue-ticket': ticket })
    assert.equal(polled.status, 200)
    assert.ok(servedByLane(polled.headers))
    const viaInject = (await app.inject({ url: status, headers: { 'x-queue-ticket': ticket } })).json()
    const { pollAfterMs: _jitterA, ...laneView } = polled.body
    const { pollAfterMs: _jitterB, ...injectView } = viaInject
    assert.deepEqual(laneView, injectView)
    assert.deepEqual(Object.keys(polled.body).sort(), Object.keys(viaInject).sort())
  })

  test('an enter on the lane, once called, gives an admission token that opens the shop', async () => {
    const { eventId, join, enter } = await line()
    const { auth, ticket } = await joinedGuest(join)
    await callTheFirst()
    const entered = await http('POST', enter, { ...auth, 'x-queue-ticket': ticket })
    assert.equal(entered.status, 200, JSON.stringify(entered.body))
    assert.ok(servedByLane(entered.headers))
    assert.equal(typeof entered.body.admissionToken, 'string')
    const hold = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/holds`,
      headers: { ...auth, 'x-admission-token': entered.body.admissionToken },
      payload: { quantity: 1 },
    })
    assert.equal(hold.statusCode, 201, hold.body)
  })
})

describe('a refusal is the same problem document on both paths', () => {
  let routes: Awaited<ReturnType<typeof line>>
  let guest: Awaited<ReturnType<typeof joinedGuest>>
  before(async () => {
    routes = await line()
    guest = await joinedGuest(routes.join)
  })

  const cases: [string, () => ['GET' | 'POST', string, Record<string, string>], string][] = [
    [
      'a status with a tampered ticket',
      () => ['GET', routes.status, { 'x-queue-ticket': `${guest.ticket}x` }],
      'BW_TICKET_INVALID',
    ],
    ['a status without a ticket', () => ['GET', routes.status, {}], 'BW_TICKET_INVALID'],
    ['a join without a sign-in', () => ['POST', routes.join, {}], 'BW_UNAUTHENTICATED'],
    [
      'a join with a bad token',
      () => ['POST', routes.join, { authorization: 'Bearer nope' }],
      'BW_TOKEN_INVALID',
    ],
    [
      "a join to an event that doesn't exist",
      () => ['POST', `/api/v1/events/${randomUUID()}/queue/join`, guest.auth],
      'BW_EVENT_NOT_FOUND',
    ],
    [
      'an enter without a sign-in',
      () => ['POST', routes.enter, { 'x-queue-ticket': guest.ticket }],
      'BW_UNAUTHENTICATED',
    ],
    ['an enter without a ticket', () => ['POST', routes.enter, guest.auth], 'BW_TICKET_INVALID'],
    [
      'an enter with an overlong ticket',
      () => ['POST', routes.enter, { ...guest.auth, 'x-queue-ticket': 'x'.repeat(401) }],
      'BW_TICKET_INVALID',
    ],
    [
      'an enter before being called',
      () => ['POST', routes.enter, { ...guest.auth, 'x-queue-ticket': guest.ticket }],
      'BW_NOT_YET_ADMITTED',
    ],
  ]
  for (const [what, request, code] of cases) {
    test(`${what}: ${code}`, async () => {
      const [method, path, headers] = request()
      const lane = await http(method, path, headers)
      const fastify = await app.inject({ method, url: path, headers })
      assert.equal(lane.status, fastify.statusCode)
      assert.equal(lane.body.code, code)
      assert.equal(fastify.json().code, code)
      assert.match(lane.headers.get('content-type') ?? '', /^application\/problem\+json/)
      assert.equal(lane.body.instance, fastify.json().instance)
      assert.equal(lane.body.requestId, lane.headers.get('x-request-id'))
    })
  }
})

test('what the lane declines goes to Fastify, whose validation answers it', async () => {
  const { join } = await line()
  const badId = await http('GET', '/api/v1/events/not-a-uuid/queue/status', {})
  assert.equal(badId.status, 400)
  assert.equal(badId.body.code, 'BW_VALIDATION')
  const badFlag = await http('POST', `${join}?guest=maybe`)
  assert.equal(badFlag.status, 400)
  const withBody = await http('POST', '/api/v1/auth/guest', { 'content-type': 'application/json' }, '{}')
  assert.equal(withBody.status, 201)
  assert.ok(!servedByLane(withBody.headers))
})

test('every lane answer is in the HTTP histogram under its route template', async () => {
  const count = async (route: string, code: number) => {
    const metrics = (await app.inject('/metrics')).body
    return [
      ...metrics.matchAll(
        new RegExp(
          `http_request_duration_seconds_count\\{route="${route}",method="[A-Z]+",status_code="${code}"\\} (\\d+)`,
          'g',
        ),
      ),
    ].reduce((sum, match) => sum + Number(match[1]), 0)
  }
  const series = [
    ['/api/v1/events/:eventId/queue/status', 200, 1],
    ['/api/v1/events/:eventId/queue/status', 401, 2],
    ['/api/v1/events/:eventId/queue/join', 201, 1],
    ['/api/v1/events/:eventId/queue/enter', 200, 1],
    ['/api/v1/events/:eventId/queue/enter', 409, 1],
    ['/api/v1/auth/guest', 201, 1],
  ] as const
  const counted = await Promise.all(series.map(([route, code]) => count(route, code)))

  const { join, status, enter } = await line()
  const { auth, ticket } = await joinedGuest(join)
  await app.waitingRoom.refresh()
  await http('GET', status, { 'x-queue-ticket': ticket })
  await http('GET', status, { 'x-queue-ticket': `${ticket}x` })
  await http('GET', status, {})
  await http('POST', enter, { ...auth, 'x-queue-ticket': ticket })
  await callTheFirst()
  await http('POST', enter, { ...auth, 'x-queue-ticket': ticket })

  for (const [index, [route, code, atLeast]] of series.entries()) {
    const now = await count(route, code)
    assert.ok(now >= (counted[index] ?? 0) + atLeast, `${route} ${code}: ${counted[index]} → ${now}`)
  }
})

describe('join as a new guest: one request gives an identity and a place, on both paths', () => {
  test('a guest join makes a new guest and a place for each request', async () => {
    const { join } = await line()
    const first = await http('POST', `${join}?guest=true`)
    assert.equal(first.status, 201)
    assert.ok(servedByLane(first.headers))
    assert.equal(first.body.number, 1)
    assert.equal(first.body.session.user.guest, true)
    const second = (await app.inject({ method: 'POST', url: `${join}?guest=true` })).json()
    assert.equal(second.number, 2)
    assert.notEqual(second.session.user.id, first.body.session.user.id)
  })

  test('the session it gives is a real one: it finds the same place again, bound to it', async () => {
    const { join } = await line()
    const first = await http('POST', `${join}?guest=true`)
    const auth = { authorization: `Bearer ${first.body.session.accessToken}` }
    const again = await http('POST', `${join}?guest=true`, auth)
    assert.equal(again.status, 200)
    assert.equal(again.body.ticket, first.body.ticket)
    assert.equal(again.body.session, undefined)
    const me = await app.inject({ url: '/api/v1/me', headers: auth })
    assert.equal(me.json().id, first.body.session.user.id)
  })

  test('without the flag an anonymous join makes no identity; a refused guest join makes none either', async () => {
    const { join } = await line()
    assert.equal((await http('POST', join)).status, 401)
    const unknown = await http('POST', `/api/v1/events/${randomUUID()}/queue/join?guest=true`)
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.session, undefined)
  })
})
