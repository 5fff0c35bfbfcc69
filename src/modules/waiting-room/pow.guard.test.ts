import assert from 'node:assert/strict'
import { test } from 'node:test'
import { JoinPressure, powDifficulty } from './pow.guard.ts'
import { MemoryReplayStore } from './pow.replay.ts'

const policy = { floor: 1000, cap: 20_000, autoJoinsPerSec: 500 }

test('difficulty: the floor up to the threshold, then in proportion to the join rate, never past the cap', () => {
  assert.equal(powDifficulty(0, policy), 1000)
  assert.equal(powDifficulty(500, policy), 1000)
  assert.equal(powDifficulty(1500, policy), 3000)
  assert.equal(powDifficulty(1_000_000, policy), 20_000)
})

test('pressure: joins per second from how far the last number moved, over a second at least', () => {
  const pressure = new JoinPressure()
  pressure.sample('e', 100, 0)
  assert.equal(pressure.joinsPerSec('e'), 0)
  // Too soon to judge: the earlier sample stands.
  pressure.sample('e', 400, 500)
  assert.equal(pressure.joinsPerSec('e'), 0)
  pressure.sample('e', 2100, 2000)
  assert.equal(pressure.joinsPerSec('e'), 1000)
  // A line started again counts as no pressure, not as a negative one.
  pressure.sample('e', 5, 3000)
  assert.equal(pressure.joinsPerSec('e'), 0)
  assert.equal(pressure.joinsPerSec('unknown'), 0)
})

test('memory replay store: a challenge is claimed once until it expires, and expired ones are forgotten', async () => {
  const store = new MemoryReplayStore()
  assert.equal(await store.claim('e', 'c1', 1000, 0), true)
  assert.equal(await store.claim('e', 'c1', 1000, 10), false)
  // The same challenge text of another event is another key.
  assert.equal(await store.claim('f', 'c1', 1000, 10), true)
  assert.equal(await store.claim('e', 'c2', 5000, 20), true)
  assert.equal(store.size, 3)
  assert.equal(await store.claim('e', 'c3', 6000, 2000), true)
  assert.equal(store.size, 2)
})
