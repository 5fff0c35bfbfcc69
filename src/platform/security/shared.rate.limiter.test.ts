import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RedisClient } from '../data/redis.client.ts'
import type { RateVerdict } from './rate.limiter.ts'
import { SharedRateCounter, SharedRateLimiter } from './shared.rate.limiter.ts'

type Answer = [number, number, number, number]

/** A Redis client that answers the script with `answer` per key, or fails when it is an Error. */
function fakeRedis(answer: () => Answer | Error) {
  const calls: string[][] = []
  const client = {
    status: 'ready',
    isCluster: false,
    defineCommand() {},
    rateGcra(keys: number, ...args: string[]) {
      calls.push(args.slice(0, keys))
      const result = answer()
      return result instanceof Error
        ? Promise.reject(result)
        : Promise.resolve(args.slice(0, keys).map(() => result))
    },
  }
  return { client: client as unknown as RedisClient, calls }
}

const rate = { perMinute: 60, burst: 2 }
const allowed = (verdicts: RateVerdict[]) => verdicts.map((v) => v.allowed)

test('without Redis the counts are this process’s, answered without a promise, all or none', () => {
  const counter = new SharedRateCounter(
    () => null,
    () => 0,
  )
  const address = new SharedRateLimiter(rate, 'rate:x:a:')
  const account = new SharedRateLimiter({ perMinute: 60, burst: 1 }, 'rate:x:u:')
  const both = [
    { limiter: address, key: 'k' },
    { limiter: account, key: 'k' },
  ]
  assert.deepEqual(allowed(counter.take(both) as RateVerdict[]), [true, true])
  // The account is spent: the address's count is given back, so it still has one.
  assert.deepEqual(allowed(counter.take(both) as RateVerdict[]), [true, false])
  assert.deepEqual(allowed(counter.take([both[0] as (typeof both)[0]]) as RateVerdict[]), [true])
  assert.deepEqual(allowed(counter.take([both[0] as (typeof both)[0]]) as RateVerdict[]), [false])
})

test("Redis's verdict is the answer while it answers; a failure counts in this process, and Redis is tried again a second later", async () => {
  let now = 0
  let failing = false
  const { client, calls } = fakeRedis(() => (failing ? new Error('Connection is closed') : [0, 0, 700, 2000]))
  const fallbacks: unknown[] = []
  const counter = new SharedRateCounter(
    () => client,
    () => now,
    (error) => fallbacks.push(error),
  )
  const take = [{ limiter: new SharedRateLimiter(rate, 'rate:x:a:'), key: 'k' }]
  const [refused] = await counter.take(take)
  assert.equal(refused?.allowed, false)
  assert.equal(refused?.retryAfterMs, 700)
  assert.deepEqual(calls, [['rate:x:a:k']])

  failing = true
  assert.deepEqual(allowed(await counter.take(take)), [true], 'counted here: a fresh count, not a 5xx')
  assert.equal(fallbacks.length, 1)
  // Within the second after a failure Redis is not asked, and the answer comes without a promise.
  const local = counter.take(take)
  assert.ok(!(local instanceof Promise))
  assert.deepEqual(allowed(local), [true])
  assert.deepEqual(allowed(counter.take(take) as RateVerdict[]), [false], 'the local count has its own limit')
  assert.equal(calls.length, 2)

  failing = false
  now += 1000
  assert.deepEqual(allowed(await counter.take(take)), [false], "Redis's verdict again")
  assert.equal(calls.length, 3)
})

test('a client that is not connected is not asked', () => {
  const { client, calls } = fakeRedis(() => [1, 1, 0, 1000])
  ;(client as { status: string }).status = 'reconnecting'
  const counter = new SharedRateCounter(
    () => client,
    () => 0,
  )
  const verdicts = counter.take([{ limiter: new SharedRateLimiter(rate, 'rate:x:a:'), key: 'k' }])
  assert.deepEqual(allowed(verdicts as RateVerdict[]), [true])
  assert.deepEqual(calls, [])
})
