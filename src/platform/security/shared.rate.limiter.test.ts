import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RedisClient } from '../data/redis.client.ts'
import type { RateVerdict } from './rate.limiter.ts'
import { SharedRateLimiter } from './shared.rate.limiter.ts'

/** A Redis client that answers the script with `answer`, or fails when it is an Error. */
function fakeRedis(answer: () => [number, number, number, number] | Error) {
  const calls: string[] = []
  const client = {
    status: 'ready',
    defineCommand() {},
    rateGcra(key: string) {
      calls.push(key)
      const result = answer()
      return result instanceof Error ? Promise.reject(result) : Promise.resolve(result)
    },
  }
  return { client: client as unknown as RedisClient, calls }
}

const rate = { perMinute: 60, burst: 2 }

test('without Redis the limiter answers synchronously, in this process', () => {
  const limiter = new SharedRateLimiter(
    rate,
    () => null,
    'rate:x:a:',
    () => 0,
  )
  const verdicts = [1, 2, 3].map(() => limiter.take('k') as RateVerdict)
  assert.deepEqual(
    verdicts.map((v) => v.allowed),
    [true, true, false],
  )
})

test("Redis's verdict is the answer while it answers; a failure counts in this process, and Redis is tried again a second later", async () => {
  let now = 0
  let failing = false
  const { client, calls } = fakeRedis(() => (failing ? new Error('Connection is closed') : [0, 0, 700, 2000]))
  const fallbacks: unknown[] = []
  const limiter = new SharedRateLimiter(
    rate,
    () => client,
    'rate:x:a:',
    () => now,
    (e) => fallbacks.push(e),
  )
  const refused = await limiter.take('k')
  assert.equal(refused.allowed, false)
  assert.equal(refused.retryAfterMs, 700)
  assert.deepEqual(calls, ['rate:x:a:k'])

  failing = true
  assert.equal((await limiter.take('k')).allowed, true, 'counted here: a fresh count, not a 5xx')
  assert.equal(fallbacks.length, 1)
  // Within the second after a failure Redis is not asked, and the answer comes without a promise.
  const local = limiter.take('k')
  assert.ok(!(local instanceof Promise))
  assert.equal(local.allowed, true)
  assert.equal((limiter.take('k') as RateVerdict).allowed, false, 'the local count has its own limit')
  assert.equal(calls.length, 2)

  failing = false
  now += 1000
  assert.equal((await limiter.take('k')).allowed, false, "Redis's verdict again")
  assert.equal(calls.length, 3)
})

test('a client that is not connected is not asked', () => {
  const { client, calls } = fakeRedis(() => [1, 1, 0, 1000])
  ;(client as { status: string }).status = 'reconnecting'
  const limiter = new SharedRateLimiter(
    rate,
    () => client,
    'rate:x:a:',
    () => 0,
  )
  assert.equal((limiter.take('k') as RateVerdict).allowed, true)
  assert.deepEqual(calls, [])
})
