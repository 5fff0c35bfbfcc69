import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { build } from '../support/app.builder.ts'
import { listening, servedByLane } from '../support/http.listening.ts'
import { createQueuedEvent } from '../support/test.data.ts'

// The test drives the refresh itself.
const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000' }

test('the lane answers guest, join, status and enter over HTTP as Fastify answers them through inject', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 10, maxActive: 100 })
  const http = await listening(app)
  const join = `/api/v1/events/${eventId}/queue/join`
  const status = `/api/v1/events/${eventId}/queue/status`
  const enter = `/api/v1/events/${eventId}/queue/enter`

  const guest = await http('POST', '/api/v1/auth/guest')
  assert.equal(guest.status, 201)
  assert.ok(servedByLane(guest.headers))
  assert.equal(guest.headers.get('cache-control'), 'no-store')
  assert.equal(guest.headers.get('x-content-type-options'), 'nosniff')
  assert.match(guest.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
  assert.equal(guest.body.user.guest, true)
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

  await app.waitingRoom.refresh()
  const polled = await http('GET', status, { 'x-queue-ticket': joined.body.ticket })
  assert.equal(polled.status, 200)
  assert.ok(servedByLane(polled.headers))
  const viaInject = (
    await app.inject({ url: status, headers: { 'x-queue-ticket': joined.body.ticket } })
  ).json()
  const { pollAfterMs: _jitterA, ...laneView } = polled.body
  const { pollAfterMs: _jitterB, ...injectView } = viaInject
  assert.deepEqual(laneView, injectView)
  assert.deepEqual(Object.keys(polled.body).sort(), Object.keys(viaInject).sort())

  // Refusals: the same problem details on both paths.
  for (const [method, path, headers, code] of [
    ['GET', status, { 'x-queue-ticket': `${joined.body.ticket}x` }, 'BW_TICKET_INVALID'],
    ['GET', status, {}, 'BW_TICKET_INVALID'],
    ['POST', join, {}, 'BW_UNAUTHENTICATED'],
    ['POST', join, { authorization: 'Bearer nope' }, 'BW_TOKEN_INVALID'],
    ['POST', `/api/v1/events/${randomUUID()}/queue/join`, auth, 'BW_EVENT_NOT_FOUND'],
    ['POST', enter, { 'x-queue-ticket': joined.body.ticket }, 'BW_UNAUTHENTICATED'],
    ['POST', enter, auth, 'BW_TICKET_INVALID'],
    ['POST', enter, { ...auth, 'x-queue-ticket': 'x'.repeat(401) }, 'BW_TICKET_INVALID'],
    ['POST', enter, { ...auth, 'x-queue-ticket': joined.body.ticket }, 'BW_NOT_YET_ADMITTED'],
  ] as const) {
    const lane = await http(method, path, headers)
    const fastify = await app.inject({ method, url: path, headers })
    assert.equal(lane.status, fastify.statusCode, `${method} ${path} ${code}`)
    assert.equal(lane.body.code, code)
    assert.equal(fastify.json().code, code)
    assert.match(lane.headers.get('content-type') ?? '', /^application\/problem\+json/)
    assert.equal(lane.body.instance, fastify.json().instance)
    assert.equal(lane.body.requestId, lane.headers.get('x-request-id'))
  }

  // Called in: the admission token from the lane opens the shop like one from Fastify.
  // The first tick only starts the ticker's clock; the second calls number 1.
  const start = Date.now()
  await app.waitingRoom.ticker.tick(start + 1000)
  await app.waitingRoom.ticker.tick(start + 2000)
  await app.waitingRoom.refresh()
  const entered = await http('POST', enter, { ...auth, 'x-queue-ticket': joined.body.ticket })
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

  // What the lane declines goes to Fastify, whose validation answers it.
  const badId = await http('GET', '/api/v1/events/not-a-uuid/queue/status', {})
  assert.equal(badId.status, 400)
  assert.equal(badId.body.code, 'BW_VALIDATION')
  const badFlag = await http('POST', `${join}?guest=maybe`)
  assert.equal(badFlag.status, 400)
  const withBody = await http('POST', '/api/v1/auth/guest', { 'content-type': 'application/json' }, '{}')
  assert.equal(withBody.status, 201)
  assert.ok(!servedByLane(withBody.headers))

  // Every lane answer is in the HTTP histogram under its route template.
  const metrics = (await app.inject('/metrics')).body
  const count = (route: string, code: number) =>
    Number(
      metrics.match(
        new RegExp(
          `http_request_duration_seconds_count\\{route="${route}",method="[A-Z]+",status_code="${code}"\\} (\\d+)`,
        ),
      )?.[1] ?? 0,
    )
  assert.ok(count('/api/v1/events/:eventId/queue/status', 200) >= 1)
  assert.ok(count('/api/v1/events/:eventId/queue/status', 401) >= 2)
  assert.ok(count('/api/v1/events/:eventId/queue/join', 201) >= 1)
  assert.ok(count('/api/v1/events/:eventId/queue/enter', 200) >= 1)
  assert.ok(count('/api/v1/events/:eventId/queue/enter', 409) >= 1)
  assert.ok(count('/api/v1/auth/guest', 201) >= 1)
})

test('join as a new guest: one request gives an identity and a place, on both paths', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 10, maxActive: 100 })
  const http = await listening(app)
  const join = `/api/v1/events/${eventId}/queue/join?guest=true`

  const first = await http('POST', join)
  assert.equal(first.status, 201)
  assert.ok(servedByLane(first.headers))
  assert.equal(first.body.number, 1)
  assert.equal(first.body.session.user.guest, true)
  const second = (await app.inject({ method: 'POST', url: join })).json()
  assert.equal(second.number, 2)
  assert.notEqual(second.session.user.id, first.body.session.user.id)

  // The session is a real one: it finds the same place again, and the ticket is bound to it.
  const auth = { authorization: `Bearer ${first.body.session.accessToken}` }
  const again = await http('POST', join, auth)
  assert.equal(again.status, 200)
  assert.equal(again.body.ticket, first.body.ticket)
  assert.equal(again.body.session, undefined)
  const me = await app.inject({ url: '/api/v1/me', headers: auth })
  assert.equal(me.json().id, first.body.session.user.id)

  // Without the flag, no identity is made for an anonymous request; a refused join makes none either.
  assert.equal((await http('POST', `/api/v1/events/${eventId}/queue/join`)).status, 401)
  const unknown = await http('POST', `/api/v1/events/${randomUUID()}/queue/join?guest=true`)
  assert.equal(unknown.status, 404)
  assert.equal(unknown.body.session, undefined)
})
