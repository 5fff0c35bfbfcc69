import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  type CorrectnessInput,
  countInversions,
  evaluate,
  type FrontierSample,
  frontierRegressions,
  measureAdmissionRate,
} from './correctness.checks.ts'

test('inversions: a later number for a join answered before another was sent', () => {
  assert.equal(
    countInversions([
      { number: 1, sentAt: 0, answeredAt: 1 },
      { number: 2, sentAt: 2, answeredAt: 3 },
      { number: 3, sentAt: 2.5, answeredAt: 3.5 },
    ]),
    0,
  )
  // Joins in flight together may be numbered either way: not an inversion.
  assert.equal(
    countInversions([
      { number: 2, sentAt: 0, answeredAt: 2 },
      { number: 1, sentAt: 1, answeredAt: 3 },
    ]),
    0,
  )
  assert.equal(
    countInversions([
      { number: 5, sentAt: 0, answeredAt: 1 },
      { number: 2, sentAt: 2, answeredAt: 3 },
      { number: 3, sentAt: 4, answeredAt: 5 },
    ]),
    2,
  )
})

const sample = (t: number, servingNumber: number, waiting: number, active = 0): FrontierSample => ({
  t,
  servingNumber,
  lastNumber: servingNumber + waiting,
  waiting,
  active,
  maxActive: 1000,
})

test('admission rate: measured over the longest busy stretch, null when too short', () => {
  const samples = Array.from({ length: 21 }, (_, i) => sample(i, i * 100, 5000 - i * 100))
  assert.deepEqual(measureAdmissionRate(samples, 100, 5), { rate: 100, seconds: 20 })
  assert.equal(measureAdmissionRate(samples.slice(0, 3), 100, 5), null)
  // Held back by maxActive: not the rate setting's doing, so not measured.
  assert.equal(
    measureAdmissionRate(
      samples.map((s) => ({ ...s, active: 1000 })),
      100,
      5,
    ),
    null,
  )
  // Sold out: the server calls nobody on purpose; not measured.
  const soldOutFrom10 = samples.map((s) => ({ ...s, soldOut: s.t >= 10 }))
  assert.deepEqual(measureAdmissionRate(soldOutFrom10, 100, 5), { rate: 100, seconds: 9 })
  assert.equal(frontierRegressions([sample(0, 5, 1), sample(1, 4, 1), sample(2, 6, 1)]), 1)
})

const fine: CorrectnessInput = {
  capacity: 10,
  remaining: 0,
  holdsGranted: 12,
  failedPayments: 2,
  ordersUnanswered: 0,
  paidOrders: 10,
  approvedNotPaid: 0,
  keysWithSeveralOrders: 0,
  holdsWithSeveralOrders: 0,
  inversions: 0,
  regressions: 0,
  rateSetting: 100,
  measuredRate: { rate: 101, seconds: 10 },
  rateTolerance: 0.02,
  serverErrors: 0,
  networkErrors: 0,
  holdsMayHaveExpired: false,
  joins: { arrived: 300, joined: 300, firstArrivalAt: 2, lastAnsweredAt: 61.5, withinSeconds: 60 },
}

test('evaluate: a correct sale passes every check', () => {
  assert.deepEqual(
    evaluate(fine).filter((c) => c.ok !== true),
    [],
  )
})

test('evaluate: each fault fails its own check', () => {
  const failing = (input: Partial<CorrectnessInput>) =>
    evaluate({ ...fine, ...input })
      .filter((c) => c.ok === false)
      .map((c) => c.name)
  // The server's counter says sold out while it granted one more: both checks see the oversell.
  assert.deepEqual(failing({ paidOrders: 11, holdsGranted: 13 }), [
    'sold ≤ capacity',
    "holds granted ≤ server's stock taken",
  ])
  assert.deepEqual(failing({ paidOrders: 11, holdsGranted: 13, remaining: -1 }), ['sold ≤ capacity'])
  assert.deepEqual(failing({ holdsGranted: 14, paidOrders: 10 }), ["holds granted ≤ server's stock taken"])
  // An order answered with a 503 may have returned its stock: not a lost update, up to that many.
  assert.deepEqual(failing({ holdsGranted: 13, ordersUnanswered: 1 }), [])
  assert.deepEqual(failing({ holdsGranted: 14, ordersUnanswered: 1 }), [
    "holds granted ≤ server's stock taken",
  ])
  assert.deepEqual(failing({ approvedNotPaid: 1 }), ['orders = paid holds'])
  assert.deepEqual(failing({ keysWithSeveralOrders: 1 }), ['no duplicate charge'])
  assert.deepEqual(failing({ inversions: 3 }), ['admission order = join order'])
  assert.deepEqual(failing({ measuredRate: { rate: 97, seconds: 10 } }), ['admission rate within ±2 %'])
  assert.deepEqual(failing({ serverErrors: 1 }), ['no 5xx, no network errors'])
  // Not judged is not failed.
  assert.deepEqual(failing({ measuredRate: null, holdsMayHaveExpired: true, holdsGranted: 20 }), [])
})

test('joined within N s: every arrived user joined, the last within N s of the first arrival', () => {
  const check = (joins: Partial<NonNullable<CorrectnessInput['joins']>>) => {
    const found = evaluate({
      ...fine,
      joins: { ...(fine.joins as NonNullable<CorrectnessInput['joins']>), ...joins },
    }).find((c) => c.name.startsWith('every user joined'))
    assert.ok(found, 'the join check is there')
    return found
  }
  assert.equal(check({}).name, 'every user joined within 60 s')
  assert.equal(check({}).ok, true)
  assert.match(check({}).detail, /300 of 300 arrived users joined; the last join was answered 59\.5 s/)
  assert.equal(check({ lastAnsweredAt: 62 }).ok, true, 'exactly at the limit passes')

  // The last join answered too late: fails, and says when.
  const late = check({ lastAnsweredAt: 282 })
  assert.equal(late.ok, false)
  assert.match(
    late.detail,
    /300 of 300 arrived users joined; the last join was answered 280\.0 s after the first arrival \(limit 60 s\)/,
  )
  assert.equal(check({ lastAnsweredAt: 282, withinSeconds: 300 }).ok, true)

  // A join that failed (or a guest identity that did): not every user joined, however fast.
  const failed = check({ joined: 299 })
  assert.equal(failed.ok, false)
  assert.match(failed.detail, /299 of 300 arrived users joined; 1 failed or were cut/)
  const none = check({ joined: 0, lastAnsweredAt: null })
  assert.equal(none.ok, false)
  assert.match(none.detail, /0 of 300 arrived users joined; 300 failed or were cut; no join was answered/)
  assert.equal(check({ arrived: 0, joined: 0, firstArrivalAt: null, lastAnsweredAt: null }).ok, false)

  // It fails the run, as the other checks do.
  assert.deepEqual(
    evaluate({ ...fine, joins: { ...(fine.joins as NonNullable<CorrectnessInput['joins']>), joined: 10 } })
      .filter((c) => c.ok === false)
      .map((c) => c.name),
    ['every user joined within 60 s'],
  )
  // No waiting room: not judged.
  assert.equal(
    evaluate({ ...fine, joins: null }).find((c) => c.name.startsWith('every user joined'))?.ok,
    null,
  )
})
