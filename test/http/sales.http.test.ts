import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { PaymentWebhook } from '../../src/modules/payments/payments.provider.ts'
import { bearer, build } from '../support/app.builder.ts'
import { buyOne } from '../support/sales.fixtures.ts'
import { createEvent } from '../support/test.data.ts'

const problem = 'application/problem+json; charset=utf-8'

type Buyer = { authorization: string }

/** The calls these tests make, on one app. */
function shop(app: FastifyInstance) {
  return {
    hold: (headers: Record<string, string>, eventId: string, payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/holds`, headers, payload }),
    order: (buyer: Buyer, key: string | null, payload: { holdId: string; paymentToken: string }) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/orders',
        headers: key === null ? buyer : { ...buyer, 'idempotency-key': key },
        payload,
      }),
    release: (buyer: Buyer, holdId: string) =>
      app.inject({ method: 'DELETE', url: `/api/v1/holds/${holdId}`, headers: buyer }),
    remaining: async (eventId: string): Promise<number> =>
      (await app.inject(`/api/v1/events/${eventId}`)).json().remaining,
    statusOf: async (buyer: Buyer, orderId: string): Promise<string> =>
      (await app.inject({ url: `/api/v1/orders/${orderId}`, headers: buyer })).json().status,
    /** Posts a webhook signed by the app's payment simulator; `signature` overrides the header. */
    deliver: (webhook: PaymentWebhook, options: { signature?: string | null; body?: string } = {}) => {
      const signed = app.payments.provider.sign(webhook)
      const signature = options.signature === undefined ? signed.signature : options.signature
      return app.inject({
        method: 'POST',
        url: '/api/v1/payments/webhook',
        headers: {
          'content-type': 'application/json',
          ...(signature === null ? {} : { 'x-breakwater-signature': signature }),
        },
        payload: options.body ?? signed.body,
      })
    },
    /** One series' value in `/metrics` (0 when it has not been written yet). */
    metric: async (series: string): Promise<number> => {
      const line = (await app.inject('/metrics')).body.split('\n').find((l) => l.startsWith(`${series} `))
      return line ? Number(line.slice(series.length + 1)) : 0
    },
  }
}

const succeeded = (orderId: string, changes: Partial<PaymentWebhook> = {}): PaymentWebhook => ({
  id: `evt_${randomUUID()}`,
  type: 'payment.succeeded',
  orderId,
  reference: 'sim_late',
  amountCents: 5000,
  currency: 'USD',
  ...changes,
})

// One app for the tests that need no setting of their own. Each makes its own event and buyer, so
// none sees another's stock or orders; counters are read before and after.
let app: FastifyInstance
let admin: Buyer
let api: ReturnType<typeof shop>
before(async () => {
  app = await build(null, { PAYMENT_LATE_SUCCESS_DELAY_MS: '10' })
  admin = await bearer(app, 'admin')
  api = shop(app)
})
after(() => app?.close())

describe('general admission', () => {
  /** An event of five on sale and a buyer who holds two of them and has paid for them. */
  async function paidOrder() {
    const eventId = await createEvent(app, admin, { capacity: 5 })
    const buyer = await bearer(app, 'guest')
    const { holdId } = (await api.hold(buyer, eventId, { quantity: 2 })).json()
    const order = await api.order(buyer, 'k-1', { holdId, paymentToken: 'tok_approved' })
    assert.equal(order.statusCode, 201, order.body)
    return { eventId, buyer, holdId, order: order.json() }
  }

  test('a hold reserves its quantity for ten minutes and takes it off sale', async () => {
    const eventId = await createEvent(app, admin, { capacity: 5 })
    const hold = await api.hold(await bearer(app, 'guest'), eventId, { quantity: 2 })
    assert.equal(hold.statusCode, 201, hold.body)
    const { quantity, seatIds, expiresAt } = hold.json()
    assert.equal(quantity, 2)
    assert.deepEqual(seatIds, [])
    assert.ok(Date.parse(expiresAt) > Date.now() + 500_000)
    assert.equal(await api.remaining(eventId), 3)
  })

  test('an order paid with an approved card is paid for the whole hold; stock and metrics follow', async () => {
    const eventId = await createEvent(app, admin, { capacity: 5 })
    const buyer = await bearer(app, 'guest')
    const { holdId } = (await api.hold(buyer, eventId, { quantity: 2 })).json()
    const paidBefore = await api.metric('breakwater_orders_total{status="paid"}')
    const revenueBefore = await api.metric('breakwater_revenue_cents_total{currency="USD"}')

    const order = await api.order(buyer, 'k-1', { holdId, paymentToken: 'tok_approved' })
    assert.equal(order.statusCode, 201, order.body)
    assert.equal(order.json().status, 'paid')
    assert.equal(order.json().amountCents, 5000)
    assert.equal(await api.remaining(eventId), 3)
    assert.equal(await api.metric('breakwater_orders_total{status="paid"}'), paidBefore + 1)
    assert.equal(await api.metric('breakwater_revenue_cents_total{currency="USD"}'), revenueBefore + 5000)
    assert.equal(await api.metric(`breakwater_event_remaining{event_id="${eventId}"}`), 3)
  })

  test('the same Idempotency-Key with the same body replays the first answer', async () => {
    const { buyer, holdId, order } = await paidOrder()
    const replaysBefore = await api.metric('breakwater_idempotency_total{result="replay"}')
    const replay = await api.order(buyer, 'k-1', { holdId, paymentToken: 'tok_approved' })
    assert.equal(replay.statusCode, 201)
    assert.equal(replay.headers['idempotent-replayed'], 'true')
    assert.deepEqual(replay.json(), order)
    assert.equal(await api.metric('breakwater_idempotency_total{result="replay"}'), replaysBefore + 1)
  })

  test('the same Idempotency-Key with another body is a 422', async () => {
    const { buyer, holdId } = await paidOrder()
    const mismatch = await api.order(buyer, 'k-1', { holdId, paymentToken: 'tok_declined' })
    assert.equal(mismatch.statusCode, 422)
    assert.equal(mismatch.json().code, 'BW_IDEMPOTENCY_MISMATCH')
  })

  test('an order without an Idempotency-Key is a 400', async () => {
    const { buyer, holdId } = await paidOrder()
    const missing = await api.order(buyer, null, { holdId, paymentToken: 'tok_approved' })
    assert.equal(missing.statusCode, 400)
    assert.equal(missing.json().code, 'BW_IDEMPOTENCY_KEY_MISSING')
  })

  test('a buyer lists and reads their own orders; to anyone else the order does not exist', async () => {
    const { buyer, order } = await paidOrder()
    const list = (await app.inject({ url: '/api/v1/orders', headers: buyer })).json()
    assert.equal(list.orders.length, 1)
    const other = await bearer(app, 'guest')
    const foreign = await app.inject({ url: `/api/v1/orders/${order.id}`, headers: other })
    assert.equal(foreign.statusCode, 404)
    assert.equal((await app.inject({ url: `/api/v1/orders/${order.id}`, headers: buyer })).statusCode, 200)
  })

  test('the outbox relay ships order.created and order.paid, each naming its order', async () => {
    const keys = new Map<string, string | null>()
    const seen: string[] = []
    let orderId = ''
    const listener = (message: { topic: string; key: string | null }) => {
      seen.push(`${message.topic}:${message.key}`)
      if (message.key === orderId) keys.set(message.topic, message.key)
    }
    app.outbox.publisher.events.on('*', listener)
    try {
      orderId = (await paidOrder()).order.id
      // The relay runs on its own timer in the `all` role; wait (bounded) until it has shipped both.
      for (let i = 0; i < 50 && !(keys.has('order.created') && keys.has('order.paid')); i++) {
        await app.outbox.relay.relayOnce()
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    } finally {
      app.outbox.publisher.events.off('*', listener)
    }
    assert.ok(keys.has('order.created') && keys.has('order.paid'), seen.join())
    assert.equal(keys.get('order.created'), orderId)
    assert.equal(keys.get('order.paid'), orderId)
  })
})

describe('what a sale refuses changes nothing', () => {
  /** Three on sale, two a buyer at most, and a buyer. */
  async function saleOfThree() {
    const eventId = await createEvent(app, admin, { capacity: 3, perUserLimit: 2 })
    return { eventId, buyer: await bearer(app, 'guest') }
  }

  test('bad hold requests are answered as problem details and take no stock', async () => {
    const { eventId, buyer } = await saleOfThree()
    const bad = [
      { payload: { quantity: 0 }, status: 400 },
      { payload: { quantity: 3 }, status: 409, code: 'BW_LIMIT_EXCEEDED' },
      { payload: { seatIds: [randomUUID()] }, status: 400 },
      { payload: { quantity: 1, extra: true }, status: 400 },
    ]
    for (const c of bad) {
      const response = await api.hold(buyer, eventId, c.payload)
      assert.equal(response.statusCode, c.status, `${JSON.stringify(c.payload)}: ${response.body}`)
      assert.equal(response.headers['content-type'], problem)
      if (c.code) assert.equal(response.json().code, c.code)
    }
    const unknownEvent = await api.hold(buyer, randomUUID(), { quantity: 1 })
    assert.equal(unknownEvent.statusCode, 404)
    assert.equal(await api.remaining(eventId), 3)
  })

  test('a buyer cannot hold beyond the per-user limit across holds', async () => {
    const { eventId, buyer } = await saleOfThree()
    assert.equal((await api.hold(buyer, eventId, { quantity: 2 })).statusCode, 201)
    const overLimit = await api.hold(buyer, eventId, { quantity: 1 })
    assert.equal(overLimit.json().code, 'BW_LIMIT_EXCEEDED')
  })

  test('a hold for more than is left is sold out', async () => {
    const { eventId, buyer } = await saleOfThree()
    assert.equal((await api.hold(buyer, eventId, { quantity: 2 })).statusCode, 201)
    const soldOut = await api.hold(await bearer(app, 'guest'), eventId, { quantity: 2 })
    assert.equal(soldOut.statusCode, 409)
    assert.equal(soldOut.json().code, 'BW_SOLD_OUT')
  })

  test('someone else can neither release my hold nor order it', async () => {
    const { eventId, buyer } = await saleOfThree()
    const { holdId } = (await api.hold(buyer, eventId, { quantity: 2 })).json()
    const other = await bearer(app, 'guest')
    assert.equal((await api.release(other, holdId)).statusCode, 404)
    const stolen = await api.order(other, 'x', { holdId, paymentToken: 'tok_approved' })
    assert.equal(stolen.statusCode, 404)
  })

  test('an unknown payment token is refused before any order', async () => {
    const { eventId, buyer } = await saleOfThree()
    const { holdId } = (await api.hold(buyer, eventId, { quantity: 2 })).json()
    const unknownToken = await api.order(buyer, 'y', { holdId, paymentToken: 'tok_bogus' })
    assert.equal(unknownToken.statusCode, 400)
    assert.equal(unknownToken.json().code, 'BW_PAYMENT_TOKEN_UNKNOWN')
  })

  test('a declined payment fails the order and puts its stock back, for the same buyer too', async () => {
    const { eventId, buyer } = await saleOfThree()
    const { holdId } = (await api.hold(buyer, eventId, { quantity: 2 })).json()
    const declined = await api.order(buyer, 'z', { holdId, paymentToken: 'tok_declined' })
    assert.equal(declined.statusCode, 201)
    assert.equal(declined.json().status, 'payment_failed')
    assert.equal(await api.remaining(eventId), 3)
    const again = await api.hold(buyer, eventId, { quantity: 2 })
    assert.equal(again.statusCode, 201, again.body)
  })

  test('a released hold puts its stock back; releasing it twice says it is gone', async () => {
    const { eventId, buyer } = await saleOfThree()
    const { holdId } = (await api.hold(buyer, eventId, { quantity: 2 })).json()
    assert.equal((await api.release(buyer, holdId)).statusCode, 204)
    assert.equal((await api.release(buyer, holdId)).json().code, 'BW_HOLD_EXPIRED')
    assert.equal(await api.remaining(eventId), 3)
  })
})

describe('seated', () => {
  /** A row of three seats, A1 to A3, and how they stand. */
  async function rowOfThree() {
    const eventId = await createEvent(app, admin, {
      capacity: undefined,
      seatMap: { sections: [{ name: 'Floor', rows: [{ name: 'A', seats: 3 }] }] },
    })
    const seats = async (): Promise<{ id: string; row: string; number: number; state: string }[]> =>
      (await app.inject(`/api/v1/events/${eventId}/seats`)).json().seats
    return { eventId, seats }
  }

  test('the seats are listed in order, all available', async () => {
    const { seats } = await rowOfThree()
    const listed = await seats()
    assert.equal(listed.length, 3)
    assert.deepEqual(
      listed.map((s) => `${s.row}${s.number}:${s.state}`),
      ['A1:available', 'A2:available', 'A3:available'],
    )
  })

  test('a seat is claimed once: a hold that overlaps a held seat is sold out', async () => {
    const { eventId, seats } = await rowOfThree()
    const [a1, a2, a3] = await seats()
    const held = await api.hold(await bearer(app, 'guest'), eventId, { seatIds: [a1?.id, a2?.id] })
    assert.equal(held.statusCode, 201, held.body)
    assert.equal(held.json().seatIds.length, 2)
    const taken = await api.hold(await bearer(app, 'guest'), eventId, { seatIds: [a2?.id, a3?.id] })
    assert.equal(taken.json().code, 'BW_SOLD_OUT')
    assert.deepEqual(
      (await seats()).map((s) => s.state),
      ['held', 'held', 'available'],
    )
    assert.equal(await api.remaining(eventId), 1)
  })

  test('unknown seats, and a quantity where seats are sold, are refused', async () => {
    const { eventId } = await rowOfThree()
    const buyer = await bearer(app, 'guest')
    const unknown = await api.hold(buyer, eventId, { seatIds: [randomUUID()] })
    assert.equal(unknown.json().code, 'BW_SEAT_NOT_FOUND')
    const quantity = await api.hold(buyer, eventId, { quantity: 1 })
    assert.equal(quantity.statusCode, 400)
    assert.equal(await api.remaining(eventId), 3)
  })
})

describe('a queued event', () => {
  /** An event with its line on, and a buyer who has not been through it. */
  async function queuedSale() {
    const eventId = await createEvent(app, admin, { queue: { enabled: true } })
    const buyer = await bearer(app, 'guest')
    const me = (await app.inject({ url: '/api/v1/me', headers: buyer })).json()
    return { eventId, buyer, userId: me.id ?? me.user?.id }
  }

  test('a hold needs an admission token', async () => {
    const { eventId, buyer } = await queuedSale()
    const none = await api.hold(buyer, eventId, { quantity: 1 })
    assert.equal(none.json().code, 'BW_ADMISSION_REQUIRED')
  })

  test("another event's admission token is refused", async () => {
    const { eventId, buyer, userId } = await queuedSale()
    const foreign = await app.admissions.tokens.sign({ eventId: randomUUID(), userId, ttlSeconds: 60 })
    const wrong = await api.hold({ ...buyer, 'x-admission-token': foreign.token }, eventId, { quantity: 1 })
    assert.equal(wrong.json().code, 'BW_ADMISSION_FOREIGN')
  })

  test("this user's admission token for this event lets them hold", async () => {
    const { eventId, buyer, userId } = await queuedSale()
    const { token } = await app.admissions.tokens.sign({ eventId, userId, ttlSeconds: 60 })
    const ok = await api.hold({ ...buyer, 'x-admission-token': token }, eventId, { quantity: 1 })
    assert.equal(ok.statusCode, 201, ok.body)
  })
})

describe('payment webhooks', () => {
  /** An order of one ticket at 10.00 USD whose payment answers later, by webhook (it never does by itself). */
  async function pendingOrder() {
    const eventId = await createEvent(app, admin, { capacity: 2, priceCents: 1000 })
    const buyer = await bearer(app, 'guest')
    const { holdId } = (await api.hold(buyer, eventId, { quantity: 1 })).json()
    const order = await api.order(buyer, 'pending', { holdId, paymentToken: 'tok_timeout' })
    assert.equal(order.json().status, 'pending_payment')
    return { eventId, buyer, orderId: order.json().id as string }
  }

  test('a webhook without the signature, or with a body other than the one signed, is a 401', async () => {
    const { buyer, orderId } = await pendingOrder()
    const webhook = succeeded(orderId, { amountCents: 1000 })
    const unsigned = await api.deliver(webhook, { signature: null })
    assert.equal(unsigned.statusCode, 401)
    const signed = app.payments.provider.sign(webhook)
    const tampered = await api.deliver(webhook, { body: signed.body.replace('1000', '1') })
    assert.equal(tampered.statusCode, 401)
    assert.equal(await api.statusOf(buyer, orderId), 'pending_payment')
  })

  for (const [what, changes] of [
    ['less than the order (one cent)', { amountCents: 1 }],
    ['more than the order', { amountCents: 1001 }],
    ['another currency', { amountCents: 1000, currency: 'JPY' }],
  ] as const) {
    test(`a signed success for ${what} is a 422 and changes nothing`, async () => {
      const { eventId, buyer, orderId } = await pendingOrder()
      const revenueBefore = await api.metric('breakwater_revenue_cents_total{currency="USD"}')
      const mismatchesBefore = await api.metric('breakwater_payments_total{outcome="mismatch"}')
      const refused = await api.deliver(succeeded(orderId, changes))
      assert.equal(refused.statusCode, 422, refused.body)
      assert.equal(refused.headers['content-type'], problem)
      assert.equal(refused.json().code, 'BW_PAYMENT_MISMATCH')
      assert.equal(await api.statusOf(buyer, orderId), 'pending_payment')
      assert.equal(await api.remaining(eventId), 1)
      assert.equal(await api.metric('breakwater_revenue_cents_total{currency="USD"}'), revenueBefore)
      assert.equal(await api.metric('breakwater_payments_total{outcome="mismatch"}'), mismatchesBefore + 1)
    })
  }

  test('after a refused webhook, the payment the order is owed still pays it', async () => {
    const { buyer, orderId } = await pendingOrder()
    assert.equal((await api.deliver(succeeded(orderId, { amountCents: 1 }))).statusCode, 422)
    const paid = await api.deliver(succeeded(orderId, { amountCents: 1000 }))
    assert.deepEqual(paid.json(), { applied: true })
    assert.equal(await api.statusOf(buyer, orderId), 'paid')
  })
})

test('the same Idempotency-Key while the first request still runs → 409, then the replay', async () => {
  const eventId = await createEvent(app, admin)
  const buyer = await bearer(app, 'guest')
  const { holdId } = (await api.hold(buyer, eventId, { quantity: 1 })).json()
  const conflictsBefore = await api.metric('breakwater_idempotency_total{result="conflict"}')
  // Hold the payment provider until the second request has been answered.
  const provider = app.payments.provider
  const authorize = provider.authorize
  let reached: () => void = () => {}
  const inProvider = new Promise<void>((resolve) => {
    reached = resolve
  })
  let open: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  provider.authorize = async (input) => {
    reached()
    await gate
    return authorize.call(provider, input)
  }
  try {
    const first = api.order(buyer, 'slow', { holdId, paymentToken: 'tok_approved' })
    await inProvider
    const second = await api.order(buyer, 'slow', { holdId, paymentToken: 'tok_approved' })
    assert.equal(second.statusCode, 409, second.body)
    assert.equal(second.json().code, 'BW_IDEMPOTENCY_CONFLICT')
    open()
    const done = await first
    assert.equal(done.statusCode, 201)
    const third = await api.order(buyer, 'slow', { holdId, paymentToken: 'tok_approved' })
    assert.equal(third.statusCode, 201)
    assert.equal(third.json().id, done.json().id)
  } finally {
    open()
    provider.authorize = authorize
  }
  const orders = (await app.inject({ url: '/api/v1/orders', headers: buyer })).json().orders
  assert.equal(orders.length, 1)
  assert.equal(await api.metric('breakwater_idempotency_total{result="conflict"}'), conflictsBefore + 1)
})

test("an event's orders are listed for admins only", async () => {
  const buyer = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin, { capacity: 5 })
  const otherEvent = await createEvent(app, admin, { capacity: 5 })
  assert.equal((await buyOne(app, eventId, buyer, 'a')).status, 'paid')
  assert.equal((await buyOne(app, otherEvent, buyer, 'b')).status, 'paid')
  const listed = await app.inject({ url: `/api/v1/events/${eventId}/orders`, headers: admin })
  assert.equal(listed.statusCode, 200)
  assert.deepEqual(
    listed.json().orders.map((o: { eventId: string; status: string }) => [o.eventId, o.status]),
    [[eventId, 'paid']],
  )
  const refused = await app.inject({ url: `/api/v1/events/${eventId}/orders`, headers: buyer })
  assert.equal(refused.statusCode, 403)
})

// Last on this app: the simulator's webhook lands on its own time, after this test's requests.
test("the provider's own late success pays the order it was for", async () => {
  const eventId = await createEvent(app, admin, { capacity: 2 })
  const buyer = await bearer(app, 'guest')
  const { holdId } = (await api.hold(buyer, eventId, { quantity: 1 })).json()
  const order = await api.order(buyer, 'late-ok', { holdId, paymentToken: 'tok_late_success' })
  assert.equal(order.json().status, 'pending_payment')
  let status = 'pending_payment'
  // Bounded: the simulator's webhook comes 10 ms later, on its own.
  for (let i = 0; i < 100 && status === 'pending_payment'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    status = await api.statusOf(buyer, order.json().id)
  }
  assert.equal(status, 'paid')
})

describe('holds that expire', () => {
  // Holds live one second here. Three sales, each with an order whose payment never came, and whose
  // hold expired and was swept before the tests look.
  let expiring: FastifyInstance
  let on: ReturnType<typeof shop>
  let sales: { eventId: string; buyer: Buyer; orderId: string }[]
  before(async () => {
    expiring = await build(null, { HOLD_TTL_SECONDS: '1' })
    on = shop(expiring)
    const organiser = await bearer(expiring, 'admin')
    sales = []
    for (let i = 0; i < 3; i++) {
      const eventId = await createEvent(expiring, organiser, { capacity: 2 })
      const buyer = await bearer(expiring, 'guest')
      const { holdId } = (await on.hold(buyer, eventId, { quantity: 2 })).json()
      const order = await on.order(buyer, 'late', { holdId, paymentToken: 'tok_timeout' })
      assert.equal(order.json().status, 'pending_payment')
      sales.push({ eventId, buyer, orderId: order.json().id })
    }
    await new Promise((resolve) => setTimeout(resolve, 1200))
    await expiring.holds.sweep()
  })
  after(() => expiring?.close())
  const sale = (index: number) => {
    const found = sales[index]
    if (!found) throw new Error(`no sale ${index}`)
    return found
  }

  test("an expired hold's unpaid order expires and its stock goes back on sale", async () => {
    const { eventId, buyer, orderId } = sale(0)
    assert.equal(await on.statusOf(buyer, orderId), 'expired')
    assert.equal(await on.remaining(eventId), 2)
  })

  test('a payment that succeeds after its hold expired is refunded, once however often it is delivered', async () => {
    const { eventId, buyer, orderId } = sale(1)
    const webhook = succeeded(orderId, { id: 'evt_1', reference: 'sim_late_1' })
    const first = await on.deliver(webhook)
    assert.equal(first.statusCode, 200, first.body)
    assert.deepEqual(first.json(), { applied: true })
    assert.deepEqual((await on.deliver(webhook)).json(), { applied: false })
    assert.equal(await on.statusOf(buyer, orderId), 'refunded')
    const refunds = expiring.payments.provider.ledger.filter(
      (entry) => entry.kind === 'refund' && entry.reference === 'sim_late_1',
    )
    assert.equal(refunds.length, 1)
    assert.equal(await on.remaining(eventId), 2)
  })

  test('a failure arriving after the refund changes nothing', async () => {
    const { eventId, buyer, orderId } = sale(2)
    const success = succeeded(orderId, { id: 'evt_2', reference: 'sim_late_2' })
    assert.deepEqual((await on.deliver(success)).json(), { applied: true })
    const lateFail = await on.deliver({ ...success, id: 'evt_3', type: 'payment.failed' })
    assert.deepEqual(lateFail.json(), { applied: false })
    assert.equal(await on.statusOf(buyer, orderId), 'refunded')
    assert.equal(await on.remaining(eventId), 2)
  })
})
