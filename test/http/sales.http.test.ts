import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { bearer, build } from '../support/app.builder.ts'
import { buyOne } from '../support/sales.fixtures.ts'
import { createEvent } from '../support/test.data.ts'

const problem = 'application/problem+json; charset=utf-8'

test('general admission: hold, order, pay; stock and metrics follow', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { capacity: 5 })
  const relayed: string[] = []
  const keys = new Map<string, string | null>()
  app.outbox.publisher.events.on('*', (message: { topic: string; key: string | null }) => {
    relayed.push(message.topic)
    keys.set(message.topic, message.key)
  })

  const hold = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/holds`,
    headers: guest,
    payload: { quantity: 2 },
  })
  assert.equal(hold.statusCode, 201, hold.body)
  const { holdId, quantity, seatIds, expiresAt } = hold.json()
  assert.equal(quantity, 2)
  assert.deepEqual(seatIds, [])
  assert.ok(Date.parse(expiresAt) > Date.now() + 500_000)
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 3)

  const order = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'k-1' },
    payload: { holdId, paymentToken: 'tok_approved' },
  })
  assert.equal(order.statusCode, 201, order.body)
  assert.equal(order.json().status, 'paid')
  assert.equal(order.json().amountCents, 5000)

  const replay = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'k-1' },
    payload: { holdId, paymentToken: 'tok_approved' },
  })
  assert.equal(replay.statusCode, 201)
  assert.equal(replay.headers['idempotent-replayed'], 'true')
  assert.deepEqual(replay.json(), order.json())

  const mismatch = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'k-1' },
    payload: { holdId, paymentToken: 'tok_declined' },
  })
  assert.equal(mismatch.statusCode, 422)
  assert.equal(mismatch.json().code, 'BW_IDEMPOTENCY_MISMATCH')

  const missing = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: guest,
    payload: { holdId, paymentToken: 'tok_approved' },
  })
  assert.equal(missing.statusCode, 400)
  assert.equal(missing.json().code, 'BW_IDEMPOTENCY_KEY_MISSING')

  const list = (await app.inject({ url: '/api/v1/orders', headers: guest })).json()
  assert.equal(list.orders.length, 1)
  const other = await bearer(app, 'guest')
  const foreign = await app.inject({ url: `/api/v1/orders/${order.json().id}`, headers: other })
  assert.equal(foreign.statusCode, 404)
  assert.equal(
    (await app.inject({ url: `/api/v1/orders/${order.json().id}`, headers: guest })).statusCode,
    200,
  )
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 3)

  const metrics = (await app.inject('/metrics')).body
  assert.match(metrics, /breakwater_orders_total\{status="paid"\} 1/)
  assert.match(metrics, /breakwater_revenue_cents_total\{currency="USD"\} 5000/)
  assert.match(metrics, /breakwater_idempotency_total\{result="replay"\} 1/)
  assert.match(metrics, new RegExp(`breakwater_event_remaining\\{event_id="${eventId}"\\} 3`))

  // The relay runs on its own timer in the `all` role; wait (bounded) until it has shipped both.
  for (let i = 0; i < 50 && !(relayed.includes('order.created') && relayed.includes('order.paid')); i++) {
    await app.outbox.relay.relayOnce()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.ok(relayed.includes('order.created') && relayed.includes('order.paid'), relayed.join())
  // Each message names the order it is about.
  assert.equal(keys.get('order.created'), order.json().id)
  assert.equal(keys.get('order.paid'), order.json().id)
})

test('sold out, limits, release, declined payment and bad input change nothing', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { capacity: 3, perUserLimit: 2 })
  const holdUrl = `/api/v1/events/${eventId}/holds`

  const bad = [
    { payload: { quantity: 0 }, status: 400 },
    { payload: { quantity: 3 }, status: 409, code: 'BW_LIMIT_EXCEEDED' },
    { payload: { seatIds: [randomUUID()] }, status: 400 },
    { payload: { quantity: 1, extra: true }, status: 400 },
  ]
  for (const c of bad) {
    const response = await app.inject({ method: 'POST', url: holdUrl, headers: guest, payload: c.payload })
    assert.equal(response.statusCode, c.status, `${JSON.stringify(c.payload)}: ${response.body}`)
    assert.equal(response.headers['content-type'], problem)
    if (c.code) assert.equal(response.json().code, c.code)
  }
  const unknownEvent = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${randomUUID()}/holds`,
    headers: guest,
    payload: { quantity: 1 },
  })
  assert.equal(unknownEvent.statusCode, 404)
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 3)

  const first = await app.inject({ method: 'POST', url: holdUrl, headers: guest, payload: { quantity: 2 } })
  assert.equal(first.statusCode, 201)
  const overLimit = await app.inject({
    method: 'POST',
    url: holdUrl,
    headers: guest,
    payload: { quantity: 1 },
  })
  assert.equal(overLimit.json().code, 'BW_LIMIT_EXCEEDED')
  const other = await bearer(app, 'guest')
  const soldOut = await app.inject({ method: 'POST', url: holdUrl, headers: other, payload: { quantity: 2 } })
  assert.equal(soldOut.statusCode, 409)
  assert.equal(soldOut.json().code, 'BW_SOLD_OUT')

  // Someone else cannot release or order my hold.
  const { holdId } = first.json()
  assert.equal(
    (await app.inject({ method: 'DELETE', url: `/api/v1/holds/${holdId}`, headers: other })).statusCode,
    404,
  )
  const stolen = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...other, 'idempotency-key': 'x' },
    payload: { holdId, paymentToken: 'tok_approved' },
  })
  assert.equal(stolen.statusCode, 404)
  const unknownToken = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'y' },
    payload: { holdId, paymentToken: 'tok_bogus' },
  })
  assert.equal(unknownToken.statusCode, 400)
  assert.equal(unknownToken.json().code, 'BW_PAYMENT_TOKEN_UNKNOWN')

  const declined = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'z' },
    payload: { holdId, paymentToken: 'tok_declined' },
  })
  assert.equal(declined.statusCode, 201)
  assert.equal(declined.json().status, 'payment_failed')
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 3)

  const again = await app.inject({ method: 'POST', url: holdUrl, headers: guest, payload: { quantity: 2 } })
  assert.equal(again.statusCode, 201, again.body)
  const release = await app.inject({
    method: 'DELETE',
    url: `/api/v1/holds/${again.json().holdId}`,
    headers: guest,
  })
  assert.equal(release.statusCode, 204)
  const twice = await app.inject({
    method: 'DELETE',
    url: `/api/v1/holds/${again.json().holdId}`,
    headers: guest,
  })
  assert.equal(twice.json().code, 'BW_HOLD_EXPIRED')
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 3)
})

test('seated: seats listed, claimed once, unknown seats refused', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const [a, b] = [await bearer(app, 'guest'), await bearer(app, 'guest')]
  const eventId = await createEvent(app, admin, {
    capacity: undefined,
    seatMap: { sections: [{ name: 'Floor', rows: [{ name: 'A', seats: 3 }] }] },
  })
  const { seats } = (await app.inject(`/api/v1/events/${eventId}/seats`)).json()
  assert.equal(seats.length, 3)
  assert.deepEqual(
    seats.map((s: { row: string; number: number; state: string }) => `${s.row}${s.number}:${s.state}`),
    ['A1:available', 'A2:available', 'A3:available'],
  )
  const url = `/api/v1/events/${eventId}/holds`
  const held = await app.inject({
    method: 'POST',
    url,
    headers: a,
    payload: { seatIds: [seats[0].id, seats[1].id] },
  })
  assert.equal(held.statusCode, 201, held.body)
  assert.equal(held.json().seatIds.length, 2)
  const taken = await app.inject({
    method: 'POST',
    url,
    headers: b,
    payload: { seatIds: [seats[1].id, seats[2].id] },
  })
  assert.equal(taken.json().code, 'BW_SOLD_OUT')
  const unknown = await app.inject({ method: 'POST', url, headers: b, payload: { seatIds: [randomUUID()] } })
  assert.equal(unknown.json().code, 'BW_SEAT_NOT_FOUND')
  const quantity = await app.inject({ method: 'POST', url, headers: b, payload: { quantity: 1 } })
  assert.equal(quantity.statusCode, 400)
  const states = (await app.inject(`/api/v1/events/${eventId}/seats`))
    .json()
    .seats.map((s: { state: string }) => s.state)
  assert.deepEqual(states, ['held', 'held', 'available'])
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 1)
})

test('queued events need an admission token for this user and event', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { queue: { enabled: true } })
  const url = `/api/v1/events/${eventId}/holds`
  const none = await app.inject({ method: 'POST', url, headers: guest, payload: { quantity: 1 } })
  assert.equal(none.json().code, 'BW_ADMISSION_REQUIRED')
  const me = (await app.inject({ url: '/api/v1/me', headers: guest })).json()
  const userId = me.id ?? me.user?.id
  const foreign = await app.admissions.tokens.sign({ eventId: randomUUID(), userId, ttlSeconds: 60 })
  const wrong = await app.inject({
    method: 'POST',
    url,
    headers: { ...guest, 'x-admission-token': foreign.token },
    payload: { quantity: 1 },
  })
  assert.equal(wrong.json().code, 'BW_ADMISSION_FOREIGN')
  const { token } = await app.admissions.tokens.sign({ eventId, userId, ttlSeconds: 60 })
  const ok = await app.inject({
    method: 'POST',
    url,
    headers: { ...guest, 'x-admission-token': token },
    payload: { quantity: 1 },
  })
  assert.equal(ok.statusCode, 201, ok.body)
})

test('holds expire; a late payment after expiry is refunded; webhooks are signed and applied once', async (t) => {
  const app = await build(t, { HOLD_TTL_SECONDS: '1', PAYMENT_LATE_SUCCESS_DELAY_MS: '60000' })
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { capacity: 2 })
  const url = `/api/v1/events/${eventId}/holds`
  const hold = (await app.inject({ method: 'POST', url, headers: guest, payload: { quantity: 2 } })).json()
  const order = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'late' },
    payload: { holdId: hold.holdId, paymentToken: 'tok_late_success' },
  })
  assert.equal(order.json().status, 'pending_payment')
  const orderId = order.json().id

  const webhook = app.payments.provider.sign({
    id: 'evt_1',
    type: 'payment.succeeded',
    orderId,
    reference: 'sim_late',
    amountCents: 5000,
    currency: 'USD',
  })
  const unsigned = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/webhook',
    headers: { 'content-type': 'application/json' },
    payload: webhook.body,
  })
  assert.equal(unsigned.statusCode, 401)
  const tampered = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/webhook',
    headers: { 'content-type': 'application/json', 'x-breakwater-signature': webhook.signature },
    payload: webhook.body.replace('5000', '1'),
  })
  assert.equal(tampered.statusCode, 401)

  await new Promise((resolve) => setTimeout(resolve, 1200))
  await app.holds.sweep()
  assert.equal(
    (await app.inject({ url: `/api/v1/orders/${orderId}`, headers: guest })).json().status,
    'expired',
  )
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 2)

  const deliver = () =>
    app.inject({
      method: 'POST',
      url: '/api/v1/payments/webhook',
      headers: { 'content-type': 'application/json', 'x-breakwater-signature': webhook.signature },
      payload: webhook.body,
    })
  const first = await deliver()
  assert.equal(first.statusCode, 200, first.body)
  assert.deepEqual(first.json(), { applied: true })
  assert.deepEqual((await deliver()).json(), { applied: false })
  assert.equal(
    (await app.inject({ url: `/api/v1/orders/${orderId}`, headers: guest })).json().status,
    'refunded',
  )
  assert.equal(app.payments.provider.ledger.filter((entry) => entry.kind === 'refund').length, 1)
  // A failure arriving after the fact changes nothing.
  const late = app.payments.provider.sign({
    id: 'evt_2',
    type: 'payment.failed',
    orderId,
    reference: 'sim_late',
    amountCents: 5000,
    currency: 'USD',
  })
  const lateFail = await app.inject({
    method: 'POST',
    url: '/api/v1/payments/webhook',
    headers: { 'content-type': 'application/json', 'x-breakwater-signature': late.signature },
    payload: late.body,
  })
  assert.deepEqual(lateFail.json(), { applied: false })
  assert.equal(
    (await app.inject({ url: `/api/v1/orders/${orderId}`, headers: guest })).json().status,
    'refunded',
  )
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 2)
})

test('a signed success for less than the order, or in another currency, is refused and changes nothing', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { capacity: 2, priceCents: 1000 })
  const hold = (
    await app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/holds`,
      headers: guest,
      payload: { quantity: 1 },
    })
  ).json()
  // The simulator never answers tok_timeout: the order waits for a webhook.
  const order = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'cheap' },
    payload: { holdId: hold.holdId, paymentToken: 'tok_timeout' },
  })
  assert.equal(order.json().status, 'pending_payment')
  const orderId = order.json().id
  const deliver = (id: string, amountCents: number, currency: string) => {
    const webhook = app.payments.provider.sign({
      id,
      type: 'payment.succeeded',
      orderId,
      reference: 'sim_cheap',
      amountCents,
      currency,
    })
    return app.inject({
      method: 'POST',
      url: '/api/v1/payments/webhook',
      headers: { 'content-type': 'application/json', 'x-breakwater-signature': webhook.signature },
      payload: webhook.body,
    })
  }
  const orderNow = async () => (await app.inject({ url: `/api/v1/orders/${orderId}`, headers: guest })).json()

  for (const [id, amountCents, currency] of [
    ['evt_cent', 1, 'USD'],
    ['evt_more', 1001, 'USD'],
    ['evt_yen', 1000, 'JPY'],
  ] as const) {
    const refused = await deliver(id, amountCents, currency)
    assert.equal(refused.statusCode, 422, `${id}: ${refused.body}`)
    assert.equal(refused.headers['content-type'], problem)
    assert.equal(refused.json().code, 'BW_PAYMENT_MISMATCH')
    assert.equal((await orderNow()).status, 'pending_payment', id)
  }
  assert.equal((await app.inject(`/api/v1/events/${eventId}`)).json().remaining, 1)
  const metrics = (await app.inject('/metrics')).body
  assert.doesNotMatch(metrics, /breakwater_revenue_cents_total\{currency="USD"\} [1-9]/)
  assert.match(metrics, /breakwater_payments_total\{outcome="mismatch"\} 3/)

  // The order is still payable by the payment it is owed.
  const paid = await deliver('evt_right', 1000, 'USD')
  assert.deepEqual(paid.json(), { applied: true })
  assert.equal((await orderNow()).status, 'paid')
})

test("the provider's own late success pays the order it was for", async (t) => {
  const app = await build(t, { PAYMENT_LATE_SUCCESS_DELAY_MS: '10' })
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { capacity: 2 })
  const hold = (
    await app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/holds`,
      headers: guest,
      payload: { quantity: 1 },
    })
  ).json()
  const order = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'late-ok' },
    payload: { holdId: hold.holdId, paymentToken: 'tok_late_success' },
  })
  assert.equal(order.json().status, 'pending_payment')
  let status = 'pending_payment'
  // Bounded: the simulator's webhook comes 10 ms later, on its own.
  for (let i = 0; i < 100 && status === 'pending_payment'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    status = (await app.inject({ url: `/api/v1/orders/${order.json().id}`, headers: guest })).json().status
  }
  assert.equal(status, 'paid')
})

test('the same Idempotency-Key while the first request still runs → 409, then the replay', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin)
  const hold = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/holds`,
    headers: guest,
    payload: { quantity: 1 },
  })
  // Hold the payment provider until the second request has been answered.
  const authorize = app.payments.provider.authorize.bind(app.payments.provider)
  let open: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  app.payments.provider.authorize = async (input) => {
    await gate
    return authorize(input)
  }
  const request = {
    method: 'POST' as const,
    url: '/api/v1/orders',
    headers: { ...guest, 'idempotency-key': 'slow' },
    payload: { holdId: hold.json().holdId, paymentToken: 'tok_approved' },
  }
  const first = app.inject(request)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const second = await app.inject(request)
  assert.equal(second.statusCode, 409, second.body)
  assert.equal(second.json().code, 'BW_IDEMPOTENCY_CONFLICT')
  open()
  const done = await first
  assert.equal(done.statusCode, 201)
  const third = await app.inject(request)
  assert.equal(third.statusCode, 201)
  assert.equal(third.json().id, done.json().id)
  const orders = (await app.inject({ url: '/api/v1/orders', headers: guest })).json().orders
  assert.equal(orders.length, 1)
  assert.match((await app.inject('/metrics')).body, /breakwater_idempotency_total\{result="conflict"\} 1/)
})

test("an event's orders are listed for admins only", async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { capacity: 5 })
  const otherEvent = await createEvent(app, admin, { capacity: 5 })
  assert.equal((await buyOne(app, eventId, guest, 'a')).status, 'paid')
  assert.equal((await buyOne(app, otherEvent, guest, 'b')).status, 'paid')
  const listed = await app.inject({ url: `/api/v1/events/${eventId}/orders`, headers: admin })
  assert.equal(listed.statusCode, 200)
  assert.deepEqual(
    listed.json().orders.map((o: { eventId: string; status: string }) => [o.eventId, o.status]),
    [[eventId, 'paid']],
  )
  const refused = await app.inject({ url: `/api/v1/events/${eventId}/orders`, headers: guest })
  assert.equal(refused.statusCode, 403)
})
