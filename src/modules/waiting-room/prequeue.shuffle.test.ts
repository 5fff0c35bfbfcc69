import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PreQueueOrder } from './prequeue.shuffle.ts'

test('the shuffle is a permutation of the pre-queue, the same in every process for one seal', () => {
  const seal = { seed: 'a1b2c3', size: 10_000 }
  const order = new PreQueueOrder(seal)
  const ranks = Array.from({ length: seal.size }, (_, i) => order.rankOf(i + 1))
  assert.deepEqual(
    [...ranks].sort((a, b) => a - b),
    Array.from({ length: seal.size }, (_, i) => i + 1),
  )
  const again = new PreQueueOrder({ ...seal })
  assert.ok(ranks.every((rank, i) => again.rankOf(i + 1) === rank))
  // Numbers after the pre-queue keep their order.
  assert.equal(order.rankOf(10_001), 10_001)
  assert.equal(order.rankOf(25_000), 25_000)
})

test('the order really moves people, and another seed gives another order', () => {
  const a = new PreQueueOrder({ seed: 'one', size: 1000 })
  const b = new PreQueueOrder({ seed: 'two', size: 1000 })
  let unmoved = 0
  let same = 0
  for (let n = 1; n <= 1000; n++) {
    if (a.rankOf(n) === n) unmoved++
    if (a.rankOf(n) === b.rankOf(n)) same++
  }
  // A uniform shuffle leaves about one in place; allow plenty of slack, still far from identity.
  assert.ok(unmoved < 20, `${unmoved} numbers kept their place`)
  assert.ok(same < 20, `${same} numbers got the same place under both seeds`)
})

test('every place is reachable: number 1 lands all over the line across seeds', () => {
  const size = 8
  const seen = new Set<number>()
  for (let s = 0; s < 400; s++) seen.add(new PreQueueOrder({ seed: `seed-${s}`, size }).rankOf(1))
  assert.equal(seen.size, size)
})
