import assert from 'node:assert/strict'
import { type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { build } from '../support/app.builder.ts'
import { type Guest, joinGuests } from '../support/queue.fixtures.ts'
import { startRedisServer } from '../support/redis.server.ts'
import { createQueuedEvent } from '../support/test.data.ts'

const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000' }

/** Every admission handed out in a test, by its id: each one is a place in the shop until it expires. */
const granted = new Set<string>()

async function enter(app: FastifyInstance, eventId: string, guest: Guest) {
  const answer = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/enter`,
    headers: { ...guest.headers, 'x-queue-ticket': guest.ticket },
  })
  if (answer.statusCode === 200) {
    const payload = answer.json().admissionToken.split('.')[1]
    granted.add(JSON.parse(Buffer.from(payload, 'base64url').toString()).jti)
  }
  return answer
}

function status(app: FastifyInstance, eventId: string, guest: Guest) {
  return app.inject({
    url: `/api/v1/events/${eventId}/queue/status`,
    headers: { 'x-queue-ticket': guest.ticket },
  })
}

/**
 * A sale on a Redis of its own (which keeps nothing on disk) for a room of 4: five people joined
 * and the first four called, two of them inside when the frontier was last written to PostgreSQL;
 * after that write a third went in and two more joined. Then Redis restarts, empty.
 */
async function saleThenRedisRestart(t: TestContext) {
  granted.clear()
  const redis = await startRedisServer(t)
  const app = await build(t, { ...env, REDIS_URL: redis.url })
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 10, maxActive: 4 })
  const early = await joinGuests(app, eventId, 5)
  let now = Date.now()
  await app.waitingRoom.ticker.tick(now)
  now += 1000
  await app.waitingRoom.ticker.tick(now)
  await app.waitingRoom.refresh()
  for (const guest of early.slice(0, 2)) assert.equal((await enter(app, eventId, guest)).statusCode, 200)
  await app.waitingRoom.persister?.persist()
  const third = early[2] as Guest
  assert.equal((await enter(app, eventId, third)).statusCode, 200)
  const late = await joinGuests(app, eventId, 2)
  await redis.stop()
  await redis.start()
  // Until the client has reconnected, requests answer 503; wait for it, not for a set time.
  for (let i = 0; i < 100 && (await app.redis?.ping().catch(() => null)) !== 'PONG'; i++) await sleep(100)
  return { app, eventId, early, late, now }
}

test('redis restarted empty mid-sale: no number twice, maxActive kept, old tickets told to join again', async (t) => {
  const { app, eventId, early, late, now } = await saleThenRedisRestart(t)
  const newcomers = await joinGuests(app, eventId, 6)
  const numbers = [...early, ...late, ...newcomers].map((guest) => guest.number)
  assert.equal(new Set(numbers).size, numbers.length, `a number handed out twice: ${numbers}`)

  await app.waitingRoom.refresh()
  for (const guest of [...early, ...late]) {
    for (const answer of [await status(app, eventId, guest), await enter(app, eventId, guest)]) {
      assert.equal(answer.statusCode, 401, answer.body)
      assert.equal(answer.json().code, 'BW_TICKET_RESET')
    }
  }
  // The three who went in are still inside (their admission tokens are valid until they expire),
  // so one place is left in a room of 4, however many are called and try to enter.
  let later = now
  for (let round = 0; round < 5; round++) {
    later += 1000
    await app.waitingRoom.ticker.tick(later)
    await app.waitingRoom.refresh()
    for (const guest of [...early, ...late, ...newcomers]) await enter(app, eventId, guest)
  }
  assert.ok(granted.size <= 4, `${granted.size} admissions out in a room of 4`)
  const frontier = (await app.inject(`/api/v1/events/${eventId}/queue`)).json()
  assert.ok(frontier.active >= 3 && frontier.active <= 4, `active ${frontier.active}`)
})

test('redis restarted empty: old tickets are told to join again before anyone joins', async (t) => {
  const { app, eventId, early } = await saleThenRedisRestart(t)
  await app.waitingRoom.persister?.persist()
  await app.waitingRoom.refresh()
  const answer = await status(app, eventId, early[4] as Guest)
  assert.equal(answer.statusCode, 401, answer.body)
  assert.equal(answer.json().code, 'BW_TICKET_RESET')
})
