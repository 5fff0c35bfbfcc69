import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FrontierCache, LivenessBuffer } from './frontier.cache.ts'
import { MemoryQueueState } from './queue-state.memory.ts'
import type { Frontier } from './queue-state.types.ts'

const settings = { state: 'open' as const, admissionRatePerSec: 10, maxActive: 100 }

test('the cached frontier never moves back, even when a read lags', async () => {
  const state = new MemoryQueueState(60_000)
  let now = 1_800_000_000_000
  const cache = new FrontierCache(state, () => now)
  for (let i = 0; i < 50; i++) await state.join('e1', `u${i}`, settings, now)
  await state.advance('e1', now, { maxSteps: 1000, maxElapsedMs: 1000 })
  now += 1000
  await state.advance('e1', now, { maxSteps: 1000, maxElapsedMs: 1000 })
  await cache.refresh()
  assert.equal(cache.get('e1')?.frontier.servingNumber, 10)
  // A replica or a slow process answers with an older frontier.
  const lagging: Frontier = {
    ...settings,
    epoch: state.processEpoch,
    servingNumber: 4,
    lastNumber: 20,
    active: 0,
    preQueue: null,
  }
  const original = state.frontier.bind(state)
  state.frontier = async () => lagging
  await cache.refresh()
  assert.equal(cache.get('e1')?.frontier.servingNumber, 10)
  assert.equal(cache.get('e1')?.frontier.lastNumber, 50)
  state.frontier = original
})

test('a failed refresh keeps the last frontier, which ages', async () => {
  const state = new MemoryQueueState(60_000)
  let now = 1_800_000_000_000
  const cache = new FrontierCache(state, () => now)
  await state.join('e1', 'u1', settings, now)
  await cache.refresh()
  state.frontier = async () => {
    throw new Error('Connection is closed.')
  }
  now += 5000
  assert.deepEqual(await cache.refresh(), { failed: 1 })
  assert.equal(cache.get('e1')?.frontier.lastNumber, 1)
  assert.equal(cache.oldestAgeMs(), 5000)
})

test('liveness is flushed in one batch per event and kept when the flush fails', async () => {
  const touched: number[][] = []
  let fail = true
  const state = new MemoryQueueState(60_000)
  state.touch = async (_eventId, numbers) => {
    if (fail) throw new Error('Connection is closed.')
    touched.push([...numbers])
  }
  const buffer = new LivenessBuffer()
  for (const n of [3, 1, 3, 2, 1]) buffer.record('e1', n)
  await buffer.flush(state, 0)
  fail = false
  await buffer.flush(state, 0)
  assert.deepEqual(touched, [[3, 1, 2]])
  await buffer.flush(state, 0)
  assert.equal(touched.length, 1, 'nothing left to flush')
})
