import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { bearer, build } from '../support/app.builder.ts'
import { admitAll, type Guest, joinGuests } from '../support/queue.fixtures.ts'
import { createQueuedEvent } from '../support/test.data.ts'
import { mutate } from '../support/token.mutations.ts'

// The test drives the ticker and the refresh itself.
const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000' }

/** An app with a queued event (two a second, three inside at most) and six guests in its line. */
async function lineOfSix(t: TestContext) {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 2, maxActive: 3 })
  const url = (path: string) => `/api/v1/events/${eventId}/queue${path}`
  const guests = await joinGuests(app, eventId, 6)
  const enter = (guest: Guest) =>
    app.inject({
      method: 'POST',
      url: url('/enter'),
      headers: { ...guest.headers, 'x-queue-ticket': guest.ticket },
    })
  const now = Date.now()
  /** Runs the ticker at `seconds` after the start, then refreshes the frontier. */
  const tickAt = async (seconds: number) => {
    await app.waitingRoom.ticker.tick(now + seconds * 1000)
    await app.waitingRoom.refresh()
  }
  return { app, eventId, url, guests: guests as [Guest, Guest, Guest, Guest, Guest, Guest], enter, tickAt }
}

test('join hands out numbers in order; joining again gives the same ticket; no identity, no place', async (t) => {
  const { app, url, guests } = await lineOfSix(t)
  assert.deepEqual(
    guests.map((g) => g.number),
    [1, 2, 3, 4, 5, 6],
  )
  const again = await app.inject({ method: 'POST', url: url('/join'), headers: guests[0].headers })
  assert.equal(again.statusCode, 200)
  assert.equal(again.json().ticket, guests[0].ticket)
  const anonymous = await app.inject({ method: 'POST', url: url('/join') })
  assert.equal(anonymous.statusCode, 401)
})

test('status answers before the first refresh, marked stale, then from the frontier', async (t) => {
  const { app, url, guests } = await lineOfSix(t)
  const third = { 'x-queue-ticket': guests[2].ticket }
  const early = await app.inject({ url: url('/status'), headers: third })
  assert.equal(early.statusCode, 200)
  assert.equal(early.json().stale, true)
  assert.equal(early.json().position, 3)
  await app.waitingRoom.refresh()
  const status = (await app.inject({ url: url('/status'), headers: third })).json()
  assert.equal(status.stale, false)
  assert.equal(status.state, 'waiting')
  assert.equal(status.position, 3)
  assert.ok(status.pollAfterMs >= 800 && status.pollAfterMs <= 36_000, String(status.pollAfterMs))
})

test('enter before being called is 409; once called, it gives an admission for this user and event', async (t) => {
  const { app, eventId, guests, enter, tickAt } = await lineOfSix(t)
  const tooEarly = await enter(guests[0])
  assert.equal(tooEarly.statusCode, 409)
  assert.equal(tooEarly.json().code, 'BW_NOT_YET_ADMITTED')
  assert.equal(tooEarly.json().position, 1)
  // Two a second: after 1 s of ticks, numbers 1 and 2.
  await tickAt(0)
  await tickAt(1)
  const entered = await enter(guests[0])
  assert.equal(entered.statusCode, 200)
  const userId = (await app.inject({ url: '/api/v1/me', headers: guests[0].headers })).json().id
  const admission = await app.admissions.tokens.verify(entered.json().admissionToken, { eventId, userId })
  assert.equal(admission.userId, userId)
  assert.equal((await enter(guests[1])).statusCode, 200)
  assert.equal((await enter(guests[2])).statusCode, 409)
})

test("someone else's ticket, another event's and none at all are refused", async (t) => {
  const { app, url, guests, tickAt } = await lineOfSix(t)
  await tickAt(0)
  await tickAt(1)
  const foreign = await app.inject({
    method: 'POST',
    url: url('/enter'),
    headers: { ...guests[3].headers, 'x-queue-ticket': guests[0].ticket },
  })
  assert.equal(foreign.statusCode, 403)
  assert.equal(foreign.json().code, 'BW_TICKET_FOREIGN')
  const otherEvent = await app.inject({
    url: `/api/v1/events/${randomUUID()}/queue/status`,
    headers: { 'x-queue-ticket': guests[0].ticket },
  })
  assert.equal(otherEvent.statusCode, 403)
  const missing = await app.inject({ url: url('/status') })
  assert.equal(missing.statusCode, 401)
  assert.equal(missing.json().code, 'BW_TICKET_INVALID')
  const metrics = (await app.inject('/metrics')).body
  assert.match(metrics, /breakwater_queue_ticket_rejected_total\{reason="foreign"\} 2/)
})

test('maxActive: with three inside the ticker calls nobody more until one leaves', async (t) => {
  const { app, eventId, url, guests, enter, tickAt } = await lineOfSix(t)
  await tickAt(0)
  await tickAt(1)
  const first = await enter(guests[0])
  await enter(guests[1])
  await tickAt(5)
  assert.equal((await enter(guests[2])).statusCode, 200)
  await tickAt(10)
  let frontier = (await app.inject(url(''))).json()
  assert.equal(frontier.servingNumber, 3)
  assert.equal(frontier.active, 3)
  const userId = (await app.inject({ url: '/api/v1/me', headers: guests[0].headers })).json().id
  await app.admissions.release(
    await app.admissions.tokens.verify(first.json().admissionToken, { eventId, userId }),
  )
  await tickAt(15)
  const publicFrontier = await app.inject(url(''))
  assert.equal(publicFrontier.headers['cache-control'], 'public, max-age=1')
  frontier = publicFrontier.json()
  assert.equal(frontier.servingNumber, 4)
  assert.equal(frontier.lastNumber, 6)
  assert.equal(frontier.waiting, 2)
})

test('operator controls are for admins; paused calls nobody, closed refuses joins', async (t) => {
  const { app, eventId, url, guests, tickAt } = await lineOfSix(t)
  const admin = await bearer(app, 'admin')
  const refused = await app.inject({
    method: 'PATCH',
    url: url(''),
    headers: guests[0].headers,
    payload: { state: 'paused' },
  })
  assert.equal(refused.statusCode, 403)
  const paused = await app.inject({
    method: 'PATCH',
    url: url(''),
    headers: admin,
    payload: { state: 'paused', admissionRatePerSec: 50 },
  })
  assert.equal(paused.statusCode, 200)
  assert.equal(paused.json().state, 'paused')
  assert.equal(paused.json().admissionRatePerSec, 50)
  const event = (await app.inject(`/api/v1/events/${eventId}`)).json()
  assert.deepEqual([event.queue.state, event.queue.admissionRatePerSec], ['paused', 50])
  await tickAt(0)
  await tickAt(60)
  assert.equal((await app.inject(url(''))).json().servingNumber, 0, 'paused: nobody called')
  const closed = await app.inject({
    method: 'PATCH',
    url: url(''),
    headers: admin,
    payload: { state: 'closed' },
  })
  assert.equal(closed.statusCode, 200)
  const late = await app.inject({ method: 'POST', url: url('/join'), headers: await bearer(app, 'guest') })
  assert.equal(late.statusCode, 409)
  assert.equal(late.json().code, 'BW_QUEUE_CLOSED')
})

test('joins, entries and refusals are counted in the metrics', async (t) => {
  const { app, eventId, guests, enter, tickAt } = await lineOfSix(t)
  await enter(guests[0])
  await tickAt(0)
  await tickAt(1)
  await enter(guests[0])
  await app.inject({
    url: `/api/v1/events/${eventId}/queue/status`,
    headers: { 'x-queue-ticket': guests[5].ticket },
  })
  const metrics = (await app.inject('/metrics')).body
  assert.match(metrics, new RegExp(`breakwater_queue_joined_total\\{event_id="${eventId}"\\} 6`))
  assert.match(metrics, new RegExp(`breakwater_queue_entered_total\\{event_id="${eventId}"\\} 1`))
  assert.match(metrics, /breakwater_queue_enter_rejected_total\{reason="not_yet"\} 1/)
  assert.match(metrics, /breakwater_queue_status_duration_seconds_count \d+/)
  assert.match(metrics, /breakwater_queue_frontier_age_seconds \d/)
})

test('FIFO: 40 guests are called in the order they joined; pre-queue waits for the opening', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 3, maxActive: 1000 })
  const guests = await joinGuests(app, eventId, 40)
  const order = await admitAll(app, eventId, guests)
  assert.equal(order.length, 40)
  const inversions = order.filter((index, i) => i > 0 && index < (order[i - 1] ?? 0)).length
  assert.equal(inversions, 0)

  const later = await createQueuedEvent(
    app,
    { admissionRatePerSec: 100 },
    { salesOpenAt: new Date(Date.now() + 3600_000).toISOString() },
  )
  await joinGuests(app, later, 3)
  await app.waitingRoom.ticker.tick(Date.now())
  await app.waitingRoom.ticker.tick(Date.now() + 1000)
  await app.waitingRoom.refresh()
  assert.equal((await app.inject(`/api/v1/events/${later}/queue`)).json().servingNumber, 0)
})

test('hundreds of mutated tickets through HTTP are refused and counted', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app)
  const [guest, other] = await joinGuests(app, eventId, 2)
  assert.ok(guest && other)
  for (let i = 0; i < 300; i++) {
    const mutated = mutate(guest.ticket, other.ticket)
    const response = await app.inject({
      url: `/api/v1/events/${eventId}/queue/status`,
      headers: { 'x-queue-ticket': mutated },
    })
    assert.ok([401, 403].includes(response.statusCode), `${response.statusCode} for ${mutated}`)
    const enter = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/queue/enter`,
      headers: { ...guest.headers, 'x-queue-ticket': mutated },
    })
    assert.ok([401, 403].includes(enter.statusCode), `${enter.statusCode} for ${mutated}`)
  }
  const metrics = (await app.inject('/metrics')).body
  const refused = [...metrics.matchAll(/breakwater_queue_ticket_rejected_total\{reason="\w+"\} (\d+)/g)]
  assert.equal(
    refused.reduce((sum, m) => sum + Number(m[1]), 0),
    600,
  )
})

test('a sold-out room calls nobody until stock comes back, and its line polls rarely', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 1, maxActive: 100 }, { capacity: 2 })
  const [buyer, second] = await joinGuests(app, eventId, 4)
  assert.ok(buyer && second)
  const status = async (guest: typeof buyer) =>
    (
      await app.inject({
        url: `/api/v1/events/${eventId}/queue/status`,
        headers: { 'x-queue-ticket': guest.ticket },
      })
    ).json()
  // The stock a process knows is reused for a second; wait that out rather than reach inside.
  const afterStockTtl = () => new Promise((resolve) => setTimeout(resolve, 1100))

  let now = Date.now()
  const tick = async () => {
    now += 1000
    await app.waitingRoom.ticker.tick(now)
    await app.waitingRoom.refresh()
  }
  // The first tick only starts the ticker's clock; the second calls one number.
  await tick()
  await tick()
  assert.equal((await status(buyer)).state, 'admitted')
  const entered = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/enter`,
    headers: { ...buyer.headers, 'x-queue-ticket': buyer.ticket },
  })
  assert.equal(entered.statusCode, 200, entered.body)
  const hold = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/holds`,
    headers: { ...buyer.headers, 'x-admission-token': entered.json().admissionToken },
    payload: { quantity: 2 },
  })
  assert.equal(hold.statusCode, 201, hold.body)

  // Everything is held: three more seconds of ticks call nobody.
  await afterStockTtl()
  for (let i = 0; i < 3; i++) await tick()
  const waiting = await status(second)
  assert.equal(waiting.state, 'waiting')
  assert.equal(waiting.soldOut, true)
  assert.equal(waiting.servingNumber, 1)
  // The longest interval (60 s here) less its jitter: a sold-out line does not poll every second.
  assert.ok(waiting.pollAfterMs >= 48_000, String(waiting.pollAfterMs))
  const frontier = (await app.inject(`/api/v1/events/${eventId}/queue`)).json()
  assert.equal(frontier.soldOut, true)

  // The hold is released: the stock is back, and the line moves again.
  const released = await app.inject({
    method: 'DELETE',
    url: `/api/v1/holds/${hold.json().holdId}`,
    headers: buyer.headers,
  })
  assert.ok(released.statusCode < 300, released.body)
  await afterStockTtl()
  await tick()
  const called = await status(second)
  assert.equal(called.state, 'admitted')
  assert.equal(called.soldOut, false)
})

test('enter again with the same ticket: the same admission, never a second place', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 100, maxActive: 3 })
  const url = (path: string) => `/api/v1/events/${eventId}/queue${path}`
  const guests = await joinGuests(app, eventId, 5)
  const now = Date.now()
  await app.waitingRoom.ticker.tick(now)
  await app.waitingRoom.ticker.tick(now + 1000)
  await app.waitingRoom.refresh()
  const [first, ...others] = guests as [(typeof guests)[0], ...typeof guests]
  const enter = (guest: (typeof guests)[0]) =>
    app.inject({
      method: 'POST',
      url: url('/enter'),
      headers: { ...guest.headers, 'x-queue-ticket': guest.ticket },
    })

  // One holder, fifteen tries, ten of them at once: every answer is the one admission.
  const answers = await Promise.all(Array.from({ length: 10 }, () => enter(first)))
  for (let i = 0; i < 5; i++) answers.push(await enter(first))
  const userId = (await app.inject({ url: '/api/v1/me', headers: first.headers })).json().id
  const admissions = await Promise.all(
    answers.map((answer) => {
      assert.equal(answer.statusCode, 200, answer.body)
      return app.admissions.tokens.verify(answer.json().admissionToken, { eventId, userId })
    }),
  )
  assert.equal(new Set(admissions.map((a) => a.id)).size, 1, 'one admission id')
  assert.equal(new Set(answers.map((a) => a.json().expiresAt)).size, 1, 'one expiry')
  await app.waitingRoom.refresh()
  assert.equal((await app.inject(url(''))).json().active, 1)

  // The places the one holder did not take are there for the people behind.
  const [second, third, fourth] = others as [(typeof guests)[0], (typeof guests)[0], (typeof guests)[0]]
  assert.equal((await enter(second)).statusCode, 200)
  assert.equal((await enter(third)).statusCode, 200)
  // Three places, three people inside: the ticker calls nobody else.
  await app.waitingRoom.ticker.tick(now + 2000)
  await app.waitingRoom.refresh()
  assert.equal((await enter(fourth)).json().code, 'BW_NOT_YET_ADMITTED')
})

test('a 409 on enter counts the people ahead as the waiting-room page does: position 1 has none', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 2, maxActive: 3 })
  const [first, , third] = await joinGuests(app, eventId, 3)
  await app.waitingRoom.refresh()
  const enter = (guest: Guest) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/queue/enter`,
      headers: { ...guest.headers, 'x-queue-ticket': guest.ticket },
    })
  // The page shows max(0, position - 1) ahead (web/src/pages/WaitingRoom.tsx).
  for (const [guest, position, ahead] of [
    [first, 1, 0],
    [third, 3, 2],
  ] as [Guest | undefined, number, number][]) {
    assert.ok(guest)
    const refused = await enter(guest)
    assert.equal(refused.json().code, 'BW_NOT_YET_ADMITTED')
    assert.equal(refused.json().position, position)
    assert.equal(refused.json().detail, `${ahead} ahead of you`)
  }
})

test('after a restart of an embedded server, a ticket from before it is told to join again', async (t) => {
  // The same secret, as a server restarted on its DATA_DIR has; the line in memory is new.
  const secret = { TOKEN_SECRET: 'a-test-secret-of-at-least-32-characters' }
  const before = await build(t, { ...env, ...secret })
  const eventId = await createQueuedEvent(before)
  const [guest] = await joinGuests(before, eventId, 1)
  assert.ok(guest)
  const after = await build(t, { ...env, ...secret })
  for (const answer of [
    await after.inject({
      url: `/api/v1/events/${eventId}/queue/status`,
      headers: { 'x-queue-ticket': guest.ticket },
    }),
    await after.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/queue/enter`,
      headers: { ...guest.headers, 'x-queue-ticket': guest.ticket },
    }),
  ]) {
    assert.equal(answer.statusCode, 401, answer.body)
    assert.equal(answer.json().code, 'BW_TICKET_RESET')
  }
})
