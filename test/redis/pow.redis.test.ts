import assert from 'node:assert/strict'
import { test } from 'node:test'
import { eq } from 'drizzle-orm'
import { events } from '../../src/modules/events/events.tables.ts'
import { build } from '../support/app.builder.ts'
import { solvedPow } from '../support/pow.fixtures.ts'
import { testRedisUrl } from '../support/redis.server.ts'
import { createQueuedEvent } from '../support/test.data.ts'

const env = {
  QUEUE_TICK_MS: '0',
  QUEUE_REFRESH_MS: '0',
  QUEUE_GRACE_MS: '3600000',
  // Replicas share the secret, as they share the database and Redis.
  TOKEN_SECRET: 'pow-redis-test-secret-of-32-characters',
}

test('redis: a proof-of-work solution spent on one replica is refused on another', async (t) => {
  const redisUrl = testRedisUrl()
  const first = await build(t, { ...env, REDIS_URL: redisUrl })
  const second = await build(t, { ...env, REDIS_URL: redisUrl })
  const eventId = await createQueuedEvent(first, { pow: 'on' })
  // Each test app has its own embedded database; the event is copied into the second one, as a
  // shared PostgreSQL would hold it for both.
  const rows = await first.database.db.select().from(events).where(eq(events.id, eventId))
  await second.database.db.insert(events).values(rows)
  const join = (app: typeof first, solution: string) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/queue/join?guest=true`,
      headers: { 'x-queue-pow': solution },
    })
  // Issued by the second replica, spent on the first: the challenge itself needs no shared state.
  const solution = await solvedPow(second, eventId)
  assert.equal((await join(first, solution)).statusCode, 201)
  const replayed = await join(second, solution)
  assert.equal(replayed.statusCode, 403)
  assert.equal(replayed.json().code, 'BW_POW_INVALID')
  assert.equal(replayed.json().reason, 'replayed')
  // A fresh solution still joins on the second replica.
  assert.equal((await join(second, await solvedPow(first, eventId))).statusCode, 201)
})
