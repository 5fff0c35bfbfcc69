import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { parseRedisUrl } from '../../src/config.ts'
import { RedisQueueState } from '../../src/modules/waiting-room/queue-state.redis.ts'
import { connectRedis, createRedisClient } from '../../src/platform/data/redis.client.ts'
import { MemoryFrontierStore } from '../support/frontier.store.ts'
import { queueStateBehaviour } from '../support/queue-state.behaviour.ts'
import { testRedisUrl } from '../support/redis.server.ts'

async function openState(t: import('node:test').TestContext, graceMs: number) {
  const client = createRedisClient(parseRedisUrl(testRedisUrl()))
  t.after(() => client.quit())
  assert.ok(await connectRedis(client, 2000), 'redis reachable')
  return new RedisQueueState(client, new MemoryFrontierStore(), { graceMs, admissionTtlMs: 600_000 })
}

queueStateBehaviour('redis', openState)

test('redis: the lease has one holder at a time', async (t) => {
  const state = await openState(t, 1000)
  const a = randomUUID()
  const b = randomUUID()
  // The lease key is shared by the whole prefix; this test's prefix is its own.
  assert.equal(await state.acquireLease(a, 5000), true)
  assert.equal(await state.acquireLease(b, 5000), false)
  assert.equal(await state.acquireLease(a, 5000), true)
})
