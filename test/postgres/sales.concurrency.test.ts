import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { AppError } from '../../src/platform/http/errors.catalogue.ts'
import { appOnPostgres } from '../support/postgres.database.ts'
import { eventInput } from '../support/test.data.ts'

/**
 * The sales engine's promises under load, on real PostgreSQL and at the service level (the HTTP
 * layer adds nothing to the race): never oversell, never create two orders for one key. Each
 * test also runs with the lab switch that removes the guard, to prove it can fail.
 */

function buildOn(t: TestContext, env: Record<string, string> = {}): Promise<FastifyInstance> {
  return appOnPostgres(t, env)
}

async function createEvent(app: FastifyInstance, input: Record<string, unknown>): Promise<string> {
  const event = await app.events.create(
    eventInput(input) as Parameters<FastifyInstance['events']['create']>[0],
  )
  return event.id
}

interface RushResult {
  unavailable: number
  created: number
  soldOut: number
  other: string[]
  sold: number
  heldQuantity: number
  distinctSeats: number
}

/**
 * Runs `tasks` with at most `width` in flight. Wider than the pg pool (20), so requests queue for
 * connections and race on the same rows, yet bounded: the pool refuses waits over a second (503).
 */
async function inParallel<T>(count: number, width: number, task: (i: number) => Promise<T>) {
  const results: PromiseSettledResult<T>[] = new Array(count)
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++
        try {
          results[i] = { status: 'fulfilled', value: await task(i) }
        } catch (reason) {
          results[i] = { status: 'rejected', reason }
        }
      }
    }),
  )
  return results
}

/** Fires the attempts 40 at a time and tallies the outcome. */
async function rush(
  app: FastifyInstance,
  eventId: string,
  attempts: { quantity: number } | { seatIds: string[] }[],
  count: number,
): Promise<RushResult> {
  let unavailable = 0
  const results = await inParallel(count, 40, async (i) => {
    const userId = randomUUID()
    const input = Array.isArray(attempts) ? (attempts[i] as { seatIds: string[] }) : attempts
    // A client retries a 503 (the pool refused to wait over a second), as it would after Retry-After.
    for (let attempt = 0; ; attempt++) {
      try {
        return await app.holds.create(eventId, userId, input, undefined)
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'BW_UNAVAILABLE' || attempt >= 20) throw error
        unavailable++
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  })
  const other: string[] = []
  let created = 0
  let soldOut = 0
  for (const result of results) {
    if (result.status === 'fulfilled') created++
    else if (result.reason instanceof AppError && result.reason.code === 'BW_SOLD_OUT') soldOut++
    else if (other.length < 5) other.push(String(result.reason))
  }
  const [row] = await app.database.rows<{ sold: number; held: number; seats: number }>(
    sql`SELECT (SELECT sold FROM stock WHERE kind = 'event' AND id = ${eventId}) AS sold,
      (SELECT coalesce(sum(quantity), 0)::int FROM holds WHERE event_id = ${eventId} AND state = 'active') AS held,
      (SELECT count(DISTINCT s)::int FROM holds, unnest(seat_ids) s WHERE event_id = ${eventId} AND state = 'active') AS seats`,
  )
  return {
    unavailable,
    created,
    soldOut,
    other,
    sold: row?.sold ?? -1,
    heldQuantity: row?.held ?? -1,
    distinctSeats: row?.seats ?? -1,
  }
}

async function seatAttempts(
  app: FastifyInstance,
  eventId: string,
  perSeat: number,
): Promise<{ seatIds: string[] }[]> {
  const seats = await app.holds.seats(eventId)
  const attempts = seats.flatMap((seat) => Array.from({ length: perSeat }, () => ({ seatIds: [seat.id] })))
  // Shuffle so that the attempts on one seat are spread through the rush.
  for (let i = attempts.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[attempts[i], attempts[j]] = [attempts[j] as { seatIds: string[] }, attempts[i] as { seatIds: string[] }]
  }
  return attempts
}

const seatMap = (seats: number) => ({
  sections: [
    {
      name: 'Floor',
      rows: Array.from({ length: seats / 500 }, (_, i) => ({ name: `R${i + 1}`, seats: 500 })),
    },
  ],
})

test('general admission: 30,000 concurrent attempts for 10,000 → exactly 10,000 held, 0 oversold', async (t) => {
  const app = await buildOn(t)
  const eventId = await createEvent(app, { capacity: 10_000 })
  const result = await rush(app, eventId, { quantity: 1 }, 30_000)
  assert.deepEqual(result.other, [])
  assert.equal(result.created, 10_000)
  assert.equal(result.soldOut, 20_000)
  assert.equal(result.sold, 10_000)
  assert.equal(result.heldQuantity, 10_000)
  assert.equal((await app.events.get(eventId)).remaining, 0)
  t.diagnostic(`503s retried: ${result.unavailable}`)
})

test('seated: 30,000 concurrent attempts for 10,000 seats → each seat held once', async (t) => {
  const app = await buildOn(t)
  const eventId = await createEvent(app, { seatMap: seatMap(10_000) })
  const attempts = await seatAttempts(app, eventId, 3)
  const result = await rush(app, eventId, attempts, attempts.length)
  assert.deepEqual(result.other, [])
  assert.equal(result.created, 10_000)
  assert.equal(result.sold, 10_000)
  assert.equal(result.heldQuantity, 10_000)
  assert.equal(result.distinctSeats, 10_000)
})

test('lab switch off the inventory guard: the same rush oversells (the test can fail)', async (t) => {
  const app = await buildOn(t, { LAB_MODE: 'true', LAB_DISABLE_GUARDS: 'inventory' })
  const general = await createEvent(app, { capacity: 1_000 })
  const ga = await rush(app, general, { quantity: 1 }, 3_000)
  assert.ok(ga.heldQuantity > 1_000, `expected overselling, held ${ga.heldQuantity} of 1000`)

  const seated = await createEvent(app, { seatMap: seatMap(1_000) })
  const attempts = await seatAttempts(app, seated, 3)
  const seats = await rush(app, seated, attempts, attempts.length)
  assert.ok(seats.heldQuantity > seats.distinctSeats, `expected double-sold seats: ${JSON.stringify(seats)}`)
})

async function holdsFor(app: FastifyInstance, eventId: string, n: number) {
  const results = await inParallel(n, 50, async () => {
    const userId = randomUUID()
    const hold = await app.holds.create(eventId, userId, { quantity: 1 }, undefined)
    return { userId, holdId: hold.holdId, key: randomUUID() }
  })
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason
    return result.value
  })
}

/** Five concurrent clients per key, each retrying 409 (still running) a bounded number of times. */
async function orderStorm(app: FastifyInstance, buyers: { userId: string; holdId: string; key: string }[]) {
  let conflicts = 0
  // Buyers 20 at a time, each with 5 clients racing on its key.
  const perBuyer = await inParallel(buyers.length, 20, (b) => {
    const buyer = buyers[b] as (typeof buyers)[number]
    return Promise.all(
      Array.from({ length: 5 }, async () => {
        for (let attempt = 0; attempt < 200; attempt++) {
          try {
            return await app.orders.create(buyer.userId, buyer.key, {
              holdId: buyer.holdId,
              paymentToken: 'tok_approved',
            })
          } catch (error) {
            if (!(error instanceof AppError) || error.code !== 'BW_IDEMPOTENCY_CONFLICT') return error
            conflicts++
            await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20))
          }
        }
        return new Error('still conflicting after 200 tries')
      }),
    )
  })
  const responses = perBuyer.flatMap((result) =>
    result.status === 'fulfilled' ? result.value : [result.reason],
  )
  const [counts] = await app.database.rows<{ orders: number; captures: number }>(
    sql`SELECT (SELECT count(*)::int FROM orders) AS orders,
      (SELECT count(*)::int FROM payments WHERE kind = 'capture') AS captures`,
  )
  return { responses, conflicts, orders: counts?.orders ?? -1, captures: counts?.captures ?? -1 }
}

test('1,000 idempotency keys × 5 concurrent requests → one order and one charge per key', async (t) => {
  const app = await buildOn(t)
  const eventId = await createEvent(app, { capacity: 1_000 })
  const buyers = await holdsFor(app, eventId, 1_000)
  const { responses, conflicts, orders, captures } = await orderStorm(app, buyers)
  const errors = responses.filter((r) => r instanceof Error)
  assert.deepEqual(errors.slice(0, 3).map(String), [])
  for (let i = 0; i < buyers.length; i++) {
    const five = responses.slice(i * 5, i * 5 + 5) as { body: { id: string; status: string } }[]
    assert.equal(new Set(five.map((r) => r.body.id)).size, 1, `key ${i} answered with different orders`)
    assert.ok(five.every((r) => r.body.status === 'paid'))
  }
  assert.equal(orders, 1_000)
  assert.equal(captures, 1_000)
  assert.equal(app.payments.provider.ledger.filter((entry) => entry.kind === 'capture').length, 1_000)
  t.diagnostic(`409 conflicts seen and retried: ${conflicts}`)
})

test('lab switch off the idempotency claim: the same storm creates duplicate orders and charges', async (t) => {
  const app = await buildOn(t, { LAB_MODE: 'true', LAB_DISABLE_GUARDS: 'idempotency' })
  const eventId = await createEvent(app, { capacity: 100 })
  const buyers = await holdsFor(app, eventId, 100)
  const { orders, captures } = await orderStorm(app, buyers)
  assert.ok(orders > 100, `expected duplicate orders, got ${orders} for 100 keys`)
  assert.ok(captures > 100, `expected duplicate charges, got ${captures}`)
})
