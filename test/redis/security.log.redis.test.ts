import assert from 'node:assert/strict'
import { test } from 'node:test'
import { build } from '../support/app.builder.ts'
import { startRedisServer } from '../support/redis.server.ts'

test('with Redis down the limits count in this process and the security log keeps writing', async (t) => {
  const redis = await startRedisServer(t)
  const app = await build(t, { REDIS_URL: redis.url, RATE_LIMIT_GUEST_PER_MINUTE: '1' })
  await redis.stop()
  let refused = 0
  for (let i = 0; i < 20 && refused === 0; i++) {
    const answer = await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
    assert.ok(answer.statusCode < 500, `never a 5xx: ${answer.statusCode}`)
    if (answer.statusCode === 429) refused++
  }
  assert.equal(refused, 1)
  const attack = await app.inject({
    url: `/api/v1/events?q=${encodeURIComponent('<script>alert(1)</script>')}`,
  })
  assert.equal(attack.statusCode, 403)
  const { items } = await app.securityLog.query({ date: new Date().toISOString().slice(0, 10) })
  assert.deepEqual(
    items.map((entry) => [entry.action, entry.terminatingRuleType, entry.ruleGroupList[0]?.ruleGroupId]),
    [
      ['BLOCK', 'RATE_BASED', 'rate-limit'],
      ['BLOCK', 'MANAGED_RULE_GROUP', 'inspection'],
    ],
  )
  assert.equal(items[0]?.terminatingRuleId, 'rate-limit:guest')
})
