import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { Redis } from 'ioredis'
import type { RateVerdict } from '../../src/platform/security/rate.limiter.ts'
import { SharedRateCounter, SharedRateLimiter } from '../../src/platform/security/shared.rate.limiter.ts'
import { startRedisServer, testRedisUrl } from '../support/redis.server.ts'
import { type ServerProcess, startServerProcess } from '../support/server.process.ts'

/** A guest sign-in from `address` (the servers trust loopback's X-Forwarded-For); its status. */
async function guest(server: ServerProcess, address: string): Promise<number> {
  const response = await fetch(`${server.url}/api/v1/auth/guest`, {
    method: 'POST',
    headers: { 'x-forwarded-for': address },
  })
  await response.arrayBuffer()
  return response.status
}

test("Redis's script takes a request's counts all or none, and refuses with the draft's figures", async (t) => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? '', {
    keyPrefix: `bwtest:${randomBytes(4).toString('hex')}:`,
  })
  t.after(() => redis.quit())
  // Connected, or the counts would be this process's.
  await redis.ping()
  const counter = new SharedRateCounter(() => redis)
  const address = new SharedRateLimiter({ perMinute: 6, burst: 2 }, 'rate:join:a:')
  const account = new SharedRateLimiter({ perMinute: 6, burst: 1 }, 'rate:join:u:')
  const both = [
    { limiter: address, key: '203.0.113.1' },
    { limiter: account, key: 'someone' },
  ]
  const allowed = (verdicts: RateVerdict[]) => verdicts.map((v) => v.allowed)
  assert.deepEqual(allowed(await counter.take(both)), [true, true])
  const refused = await counter.take(both)
  assert.deepEqual(allowed(refused), [true, false])
  // One request every 10 s: the account's next is 10 s away; its burst is whole again 10 s on.
  assert.ok((refused[1]?.retryAfterMs ?? 0) > 9000 && (refused[1]?.retryAfterMs ?? 0) <= 10_000)
  assert.equal(refused[1]?.limit, 1)
  assert.equal(refused[1]?.windowSeconds, 10)
  // The refused request took nothing from the address: it has one left, then none.
  const alone = [both[0] as (typeof both)[number]]
  assert.deepEqual(allowed(await counter.take(alone)), [true])
  assert.deepEqual(allowed(await counter.take(alone)), [false])
  assert.ok((await redis.pttl('rate:join:a:203.0.113.1')) > 0, 'a count expires once refilled')
})

test('three processes sharing Redis admit one limit between them, within 1 % over a window', async (t) => {
  // 1,200 a minute: 300 at once, then one every 50 ms. Each process on its own would admit 3×.
  const perMinute = 1200
  const burst = perMinute / 4
  const intervalMs = 60_000 / perMinute
  const env = {
    REDIS_URL: testRedisUrl(),
    TRUST_PROXY: 'loopback',
    RATE_LIMIT_GUEST_PER_MINUTE: String(perMinute),
  }
  const servers = await Promise.all([0, 1, 2].map(() => startServerProcess(t, env)))
  // Warm each process up from another address, so the measured run starts at full speed.
  for (const server of servers) for (let i = 0; i < 20; i++) await guest(server, '198.51.100.1')

  // About one window (the burst's worth of time, 15 s) of three clients per process sending as fast
  // as they are answered, all from one address.
  const runMs = 12_000
  const statuses = new Map<number, number>()
  const started = performance.now()
  await Promise.all(
    servers.flatMap((server) =>
      [0, 1, 2].map(async () => {
        while (performance.now() - started < runMs) {
          const status = await guest(server, '203.0.113.7')
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
        }
      }),
    ),
  )
  const elapsedMs = performance.now() - started
  assert.deepEqual(
    [...statuses.keys()].sort(),
    [201, 429],
    `only 201 and 429: ${JSON.stringify([...statuses])}`,
  )
  const admitted = statuses.get(201) ?? 0
  // GCRA over the run: the burst, plus one per interval that passed while requests kept coming.
  const limit = burst + elapsedMs / intervalMs
  t.diagnostic(
    `admitted ${admitted} of ${(statuses.get(429) ?? 0) + admitted} requests in ${Math.round(elapsedMs)} ms; limit ${limit.toFixed(1)}`,
  )
  assert.ok(admitted <= Math.floor(limit) + 1, `admitted ${admitted}, at most ${limit.toFixed(1)}`)
  assert.ok(admitted >= limit * 0.99, `admitted ${admitted}, within 1 % of ${limit.toFixed(1)}`)
  assert.ok((statuses.get(429) ?? 0) > admitted, 'the clients asked for well over the limit')
})

test('with Redis stopped, limits are counted per process: 201 or 429, never a 5xx', async (t) => {
  const redis = await startRedisServer(t)
  // 20 a minute: 5 at once, then one every 3 s.
  const env = { REDIS_URL: redis.url, TRUST_PROXY: 'loopback', RATE_LIMIT_GUEST_PER_MINUTE: '20' }
  const [first, second] = (await Promise.all([0, 1].map(() => startServerProcess(t, env)))) as [
    ServerProcess,
    ServerProcess,
  ]
  // While Redis answers, the two processes share one count.
  const shared: number[] = []
  for (const server of [first, second, first, second, first, second, first])
    shared.push(await guest(server, '198.51.100.2'))
  assert.deepEqual(shared, [201, 201, 201, 201, 201, 429, 429])

  await redis.stop()
  // Each process now counts on its own: 5 at once from each, then 429, and nothing else.
  const alone: number[][] = []
  for (const server of [first, second]) {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) statuses.push(await guest(server, '198.51.100.3'))
    alone.push(statuses)
  }
  assert.deepEqual(alone, [
    [201, 201, 201, 201, 201, 429, 429],
    [201, 201, 201, 201, 201, 429, 429],
  ])
  // Parallel requests while Redis is down: still only 201 or 429, each process's counts its own.
  const parallel = await Promise.all(
    Array.from({ length: 80 }, (_, i) => guest(i % 2 === 0 ? first : second, `198.51.100.${10 + (i % 5)}`)),
  )
  assert.deepEqual([...new Set(parallel)].sort(), [201, 429])
  // Five addresses, 5 at once in each of two processes (and a refill if the requests took 3 s).
  assert.ok(parallel.filter((status) => status === 201).length >= 50)
})
