import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Redis } from 'ioredis'
import { build, waitUntilReady } from '../support/app.builder.ts'
import { startRedisServer, testRedisUrl } from '../support/redis.server.ts'

test('with REDIS_URL, readiness checks Redis and keys carry the configured prefix', async (t) => {
  const url = testRedisUrl()
  const app = await build(t, { REDIS_URL: url })
  assert.ok(app.redis)
  const ready = await app.inject('/readyz')
  assert.equal(ready.statusCode, 200)
  assert.deepEqual(ready.json().checks, { database: 'ok', redis: 'ok' })
  await app.redis.set('{ev:probe}:x', '1', 'PX', 60_000)
  const prefix = decodeURIComponent(new URL(url).searchParams.get('prefix') ?? '')
  assert.ok(prefix.startsWith('bwtest:'))
  const plain = new Redis(process.env.TEST_REDIS_URL ?? '')
  t.after(() => plain.quit())
  assert.equal(await plain.exists(`${prefix}{ev:probe}:x`), 1)
  assert.equal(await plain.exists('{ev:probe}:x'), 0)
  const metrics = (await app.inject('/metrics')).body
  assert.match(metrics, /breakwater_redis_command_duration_seconds_count\{command="set",outcome="ok"\} 1/)
})

test('readiness goes 503 soon after Redis goes away, and 200 when it returns', async (t) => {
  const redis = await startRedisServer(t)
  const app = await build(t, { REDIS_URL: redis.url })
  assert.equal((await app.inject('/readyz')).statusCode, 200)

  await redis.stop()
  const ready = await app.inject('/readyz')
  assert.equal(ready.statusCode, 503)
  assert.equal(ready.json().checks.redis, 'unavailable')
  assert.equal(ready.json().checks.database, 'ok')

  await redis.start()
  assert.equal(await waitUntilReady(app), 200)
})

test('a server whose Redis is down at start still starts, and becomes ready when Redis comes', async (t) => {
  const redis = await startRedisServer(t)
  await redis.stop()
  const app = await build(t, { REDIS_URL: redis.url })
  assert.equal((await app.inject('/readyz')).statusCode, 503)
  await redis.start()
  assert.equal(await waitUntilReady(app), 200)
})
