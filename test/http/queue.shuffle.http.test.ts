import assert from 'node:assert/strict'
import { test } from 'node:test'
import { build } from '../support/app.builder.ts'
import { admitAll, joinGuests } from '../support/queue.fixtures.ts'
import { createQueuedEvent } from '../support/test.data.ts'

const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000' }

test('fair start: the pre-queue is shuffled once at the opening, then first come first served', async (t) => {
  const app = await build(t, env)
  const opensAt = Date.now() + 3600_000
  const eventId = await createQueuedEvent(
    app,
    { admissionRatePerSec: 3, maxActive: 1000, shuffleAtOpen: true },
    { salesOpenAt: new Date(opensAt).toISOString() },
  )
  const early = await joinGuests(app, eventId, 30)

  await app.waitingRoom.refresh()
  const before = (
    await app.inject({
      url: `/api/v1/events/${eventId}/queue/status`,
      headers: { 'x-queue-ticket': early[0]?.ticket },
    })
  ).json()
  assert.equal(before.preQueue, true)
  assert.equal(before.position, 30, 'before the opening everyone is told how many share the pre-queue')

  // The sale opens.
  const realNow = Date.now
  t.mock.method(Date, 'now', () => realNow() + 3600_000 + 1000)
  const order = await admitAll(app, eventId, early)
  assert.equal(order.length, 30)
  assert.notDeepEqual(
    order,
    Array.from({ length: 30 }, (_, i) => i),
    'the pre-queue was called in a shuffled order, not in join order',
  )
  const frontier = (await app.inject(`/api/v1/events/${eventId}/queue`)).json()
  assert.equal(frontier.servingNumber, 30)

  // After the opening it is first come, first served again.
  const late = await joinGuests(app, eventId, 6)
  assert.deepEqual(
    late.map((g) => g.number),
    [31, 32, 33, 34, 35, 36],
  )
  const lateOrder = await admitAll(app, eventId, late)
  assert.deepEqual(lateOrder, [0, 1, 2, 3, 4, 5])
})

test('without shuffleAtOpen the pre-queue keeps its join order', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(
    app,
    { admissionRatePerSec: 3 },
    { salesOpenAt: new Date(Date.now() + 3600_000).toISOString() },
  )
  const early = await joinGuests(app, eventId, 12)
  await app.waitingRoom.refresh()
  const status = (
    await app.inject({
      url: `/api/v1/events/${eventId}/queue/status`,
      headers: { 'x-queue-ticket': early[4]?.ticket },
    })
  ).json()
  assert.equal(status.preQueue, false)
  assert.equal(status.position, 5)
  const realNow = Date.now
  t.mock.method(Date, 'now', () => realNow() + 3600_000 + 1000)
  assert.deepEqual(
    await admitAll(app, eventId, early),
    Array.from({ length: 12 }, (_, i) => i),
  )
})
