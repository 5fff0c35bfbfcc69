import assert from 'node:assert/strict'
import { test } from 'node:test'
import { GcraLimiter } from './rate.limiter.ts'

test('a burst, then one request per interval, and no double allowance across a minute edge', () => {
  const limiter = new GcraLimiter({ perMinute: 60, burst: 15 })
  let allowed = 0
  // A client that sends 10 requests a second for two minutes.
  for (let t = 0; t < 120_000; t += 100) if (limiter.take('a', t).allowed) allowed++
  // 15 at once, then one a second: never more than burst + rate × time.
  assert.equal(allowed, 15 + 119)
  const windows: number[] = []
  const fresh = new GcraLimiter({ perMinute: 60, burst: 15 })
  const times: number[] = []
  for (let t = 0; t < 180_000; t += 100) if (fresh.take('a', t).allowed) times.push(t)
  for (let start = 0; start <= 120_000; start += 500)
    windows.push(times.filter((t) => t >= start && t < start + 60_000).length)
  assert.ok(
    Math.max(...windows) <= 75,
    `at most 1.25 × the minute's limit in any minute: ${Math.max(...windows)}`,
  )
})

test('a refusal says when to come back and keys are independent', () => {
  const limiter = new GcraLimiter({ perMinute: 6, burst: 2 })
  assert.equal(limiter.take('a', 0).allowed, true)
  const second = limiter.take('a', 0)
  assert.equal(second.allowed, true)
  assert.equal(second.remaining, 0)
  const refused = limiter.take('a', 0)
  assert.equal(refused.allowed, false)
  assert.equal(refused.retryAfterMs, 10_000)
  assert.equal(limiter.take('b', 0).allowed, true)
  assert.equal(limiter.take('a', 9_999).allowed, false)
  assert.equal(limiter.take('a', 10_000).allowed, true)
})

test('idle keys are forgotten and the number of keys is bounded', () => {
  const limiter = new GcraLimiter({ perMinute: 60, burst: 1 }, 100)
  for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, 0)
  assert.equal(limiter.size, 100)
  // A minute later every old key has refilled: each new take forgets up to two of them.
  for (let i = 0; i < 60; i++) limiter.take(`n${i}`, 60_000)
  assert.equal(limiter.size, 60, 'only the keys in use are left')
})

test('a refund gives back one request, never more than the burst', () => {
  const limiter = new GcraLimiter({ perMinute: 6, burst: 2 })
  assert.equal(limiter.take('a', 0).allowed, true)
  assert.equal(limiter.take('a', 0).allowed, true)
  assert.equal(limiter.take('a', 0).allowed, false)
  limiter.refund('a')
  assert.equal(limiter.take('a', 0).allowed, true, 'the refunded request is allowed again')
  assert.equal(limiter.take('a', 0).allowed, false, 'and only that one')
  for (let i = 0; i < 5; i++) limiter.refund('a')
  const burst = [0, 1, 2].map(() => limiter.take('a', 0).allowed)
  assert.deepEqual(burst, [true, true, false], 'refunds beyond the burst are lost')
  limiter.refund('unknown')
  assert.equal(limiter.take('unknown', 0).remaining, 1)
})
