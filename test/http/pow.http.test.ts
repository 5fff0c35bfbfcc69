import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { createChallenge } from 'altcha-lib/v1'
import type { FastifyInstance } from 'fastify'
import { deriveKey } from '../../src/platform/security/secrets.store.ts'
import { bearer, build } from '../support/app.builder.ts'
import { listening } from '../support/http.listening.ts'
import { solve, solvedPow } from '../support/pow.fixtures.ts'
import { createQueuedEvent } from '../support/test.data.ts'

const secret = 'pow-test-secret-of-thirty-two-characters'
const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000', TOKEN_SECRET: secret }

async function powApp(t: TestContext, pow: 'off' | 'on' | 'auto' = 'on') {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { pow })
  return { app, eventId }
}

function join(app: FastifyInstance, eventId: string, solution?: string) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/join?guest=true`,
    headers: solution === undefined ? {} : { 'x-queue-pow': solution },
  })
}

test('pow: a join without a solution is 428 naming the challenge, and hands out no guest session', async (t) => {
  const { app, eventId } = await powApp(t)
  const refused = await join(app, eventId)
  assert.equal(refused.statusCode, 428)
  assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(refused.json().code, 'BW_POW_REQUIRED')
  assert.equal(refused.json().challengeUrl, `/api/v1/events/${eventId}/queue/challenge`)
  assert.equal(refused.json().session, undefined)
})

test('pow: a solved challenge joins once; the same solution again is refused', async (t) => {
  const { app, eventId } = await powApp(t)
  const challenge = await app.inject({ url: `/api/v1/events/${eventId}/queue/challenge` })
  assert.equal(challenge.statusCode, 200)
  assert.equal(challenge.headers['cache-control'], 'no-store')
  assert.equal(challenge.json().algorithm, 'SHA-256')
  const solution = await solve(challenge.json())
  const joined = await join(app, eventId, solution)
  assert.equal(joined.statusCode, 201, joined.body)
  assert.ok(joined.json().ticket)
  const replayed = await join(app, eventId, solution)
  assert.equal(replayed.statusCode, 403)
  assert.equal(replayed.json().code, 'BW_POW_INVALID')
  assert.equal(replayed.json().reason, 'replayed')
  const counted = await app.metrics.getSingleMetricAsString('breakwater_queue_pow_total')
  assert.match(counted, /outcome="accepted"\} 1/)
  assert.match(counted, /outcome="replayed"\} 1/)
  // A signed-in user replaying it fares no better.
  const member = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/join`,
    headers: { ...(await bearer(app, 'guest')), 'x-queue-pow': solution },
  })
  assert.equal(member.statusCode, 403)
})

test("pow: another event's solution, a wrong number and garbage are refused", async (t) => {
  const { app, eventId } = await powApp(t)
  const other = await createQueuedEvent(app, { pow: 'on' })
  const foreign = await join(app, eventId, await solvedPow(app, other))
  assert.equal(foreign.statusCode, 403)
  assert.equal(foreign.json().reason, 'foreign')

  const challenge = (await app.inject({ url: `/api/v1/events/${eventId}/queue/challenge` })).json()
  const right = JSON.parse(Buffer.from(await solve(challenge), 'base64').toString())
  const wrong = Buffer.from(JSON.stringify({ ...right, number: right.number + 1 })).toString('base64')
  assert.equal((await join(app, eventId, wrong)).json().reason, 'wrong')
  assert.equal((await join(app, eventId, 'not-a-solution')).json().reason, 'malformed')
  // The wrong attempts spent nothing: the right solution still joins.
  const joined = await join(app, eventId, Buffer.from(JSON.stringify(right)).toString('base64'))
  assert.equal(joined.statusCode, 201)
})

test('pow: a correctly signed but expired challenge is refused', async (t) => {
  const { app, eventId } = await powApp(t)
  const hmacKey = Buffer.from(deriveKey(secret, 'queue-pow')).toString('hex')
  const expired = await createChallenge({
    hmacKey,
    algorithm: 'SHA-256',
    maxnumber: 1000,
    expires: new Date(Date.now() - 1000),
    params: { event: eventId },
  })
  const refused = await join(app, eventId, await solve(expired as never))
  assert.equal(refused.statusCode, 403)
  assert.equal(refused.json().reason, 'expired')
  // The same, unexpired, passes: the key and the format are the server's.
  const fresh = await createChallenge({
    hmacKey,
    algorithm: 'SHA-256',
    maxnumber: 1000,
    expires: new Date(Date.now() + 60_000),
    params: { event: eventId },
  })
  assert.equal((await join(app, eventId, await solve(fresh as never))).statusCode, 201)
})

test('pow: status and enter never ask for proof of work', async (t) => {
  const { app, eventId } = await powApp(t)
  const joined = (await join(app, eventId, await solvedPow(app, eventId))).json()
  const now = Date.now()
  await app.waitingRoom.ticker.tick(now)
  await app.waitingRoom.ticker.tick(now + 1000)
  await app.waitingRoom.refresh()
  const status = await app.inject({
    url: `/api/v1/events/${eventId}/queue/status`,
    headers: { 'x-queue-ticket': joined.ticket },
  })
  assert.equal(status.statusCode, 200)
  const enter = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/enter`,
    headers: { authorization: `Bearer ${joined.session.accessToken}`, 'x-queue-ticket': joined.ticket },
  })
  assert.equal(enter.statusCode, 200, enter.body)
})

test('pow: off never asks; auto asks once joins per second pass the threshold, harder as they rise', async (t) => {
  const app = await build(t, env)
  const off = await createQueuedEvent(app, { pow: 'off' })
  assert.equal((await app.inject({ url: `/api/v1/events/${off}/queue/challenge` })).statusCode, 204)
  assert.equal((await join(app, off)).statusCode, 201)

  const auto = await createQueuedEvent(app)
  const event = (await app.inject({ url: `/api/v1/events/${auto}` })).json()
  assert.equal(event.queue.pow, 'auto')
  assert.equal((await app.inject({ url: `/api/v1/events/${auto}/queue/challenge` })).statusCode, 204)
  assert.equal((await join(app, auto)).statusCode, 201)
  // The line grew by 1,000 in a second (what every replica's refresh sees): twice the threshold.
  const { pressure } = app.waitingRoom.pow
  const now = Date.now()
  pressure.sample(auto, 1, now - 1000)
  pressure.sample(auto, 1001, now)
  assert.equal((await join(app, auto)).statusCode, 428)
  const hard = (await app.inject({ url: `/api/v1/events/${auto}/queue/challenge` })).json()
  assert.equal(hard.maxnumber, 2000)
  assert.equal((await join(app, auto, await solve(hard))).statusCode, 201)
  // Ten times the threshold would be 10× the floor; the cap holds it lower.
  pressure.sample(auto, 1_000_000, now + 1000)
  const capped = (await app.inject({ url: `/api/v1/events/${auto}/queue/challenge` })).json()
  assert.equal(capped.maxnumber, 20_000)
})

test('pow: an admin turns it on for a running line, and the crowd lane asks for it too', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { pow: 'off' })
  const patched = await app.inject({
    method: 'PATCH',
    url: `/api/v1/events/${eventId}/queue`,
    headers: await bearer(app, 'admin'),
    payload: { pow: 'on' },
  })
  assert.equal(patched.statusCode, 200, patched.body)
  assert.equal((await app.inject({ url: `/api/v1/events/${eventId}` })).json().queue.pow, 'on')
  const http = await listening(app)
  const refused = await http('POST', `/api/v1/events/${eventId}/queue/join?guest=true`)
  assert.equal(refused.status, 428)
  assert.equal(refused.body.code, 'BW_POW_REQUIRED')
  const joined = await http('POST', `/api/v1/events/${eventId}/queue/join?guest=true`, {
    'x-queue-pow': await solvedPow(app, eventId),
  })
  assert.equal(joined.status, 201)
})
