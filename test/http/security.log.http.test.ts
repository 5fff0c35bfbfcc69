import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { SecurityLogEntry } from '../../src/platform/security/security.log.ts'
import { bearer, build } from '../support/app.builder.ts'
import { listening, servedByLane } from '../support/http.listening.ts'
import { createQueuedEvent } from '../support/test.data.ts'

const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000' }
const today = () => new Date().toISOString().slice(0, 10)
const secret = 'Bearer a-secret-token-that-must-not-be-logged'

type Page = { items: (SecurityLogEntry & { position: number })[]; next: number | null }

async function securityLog(app: FastifyInstance, query = ''): Promise<Page> {
  const response = await app.inject({
    url: `/api/v1/admin/security-log?date=${today()}${query}`,
    headers: await bearer(app, 'admin'),
  })
  assert.equal(response.statusCode, 200, response.body)
  return response.json()
}

function assertRedacted(entry: SecurityLogEntry) {
  const text = JSON.stringify(entry)
  assert.ok(!text.includes('a-secret-token'), text)
  assert.ok(!text.includes('s3cret-cookie'), text)
}

const header = (entry: SecurityLogEntry, name: string) =>
  entry.httpRequest.headers.find((h) => h.name === name)?.value

test('a rate-limited join on the crowd lane is one BLOCK entry, RATE_BASED, secrets redacted', async (t) => {
  const app = await build(t, { ...env, RATE_LIMIT_JOIN_PER_MINUTE: '1' })
  const eventId = await createQueuedEvent(app)
  const http = await listening(app)
  const headers = { authorization: secret, cookie: 'session=s3cret-cookie', 'user-agent': 'phone' }
  let refused: Awaited<ReturnType<typeof http>> | undefined
  for (let i = 0; i < 20 && refused === undefined; i++) {
    const answer = await http('POST', `/api/v1/events/${eventId}/queue/join`, headers)
    if (answer.status === 429) refused = answer
  }
  assert.ok(refused, 'the limit refused a join')
  assert.ok(servedByLane(refused.headers), 'answered by the crowd lane')
  const { items } = await securityLog(app, '&action=BLOCK')
  assert.equal(items.length, 1, JSON.stringify(items))
  const entry = items[0] as SecurityLogEntry
  assert.equal(entry.formatVersion, 1)
  assert.equal(entry.webaclId, 'breakwater')
  assert.equal(entry.action, 'BLOCK')
  assert.equal(entry.terminatingRuleId, 'rate-limit:join')
  assert.equal(entry.terminatingRuleType, 'RATE_BASED')
  assert.deepEqual(entry.rateBasedRuleList, [
    {
      rateBasedRuleId: 'rate-limit:join',
      limitKey: 'IP',
      maxRateAllowed: Number(refused.headers.get('ratelimit-limit')),
    },
  ])
  assert.equal(entry.ruleGroupList[0]?.terminatingRule?.ruleId, 'rate-limit:join')
  assert.equal(entry.httpRequest.clientIp, '127.0.0.1')
  assert.equal(entry.httpRequest.country, '-')
  assert.equal(entry.httpRequest.httpMethod, 'POST')
  assert.equal(entry.httpRequest.uri, `/api/v1/events/${eventId}/queue/join`)
  assert.equal(entry.httpRequest.args, '')
  assert.equal(entry.httpRequest.requestId, refused.headers.get('x-request-id'))
  assert.equal(header(entry, 'authorization'), '[redacted]')
  assert.equal(header(entry, 'cookie'), '[redacted]')
  assert.equal(header(entry, 'user-agent'), 'phone')
  assertRedacted(entry)
  const counted = await app.metrics.getSingleMetricAsString('breakwater_shield_requests_total')
  assert.match(counted, /action="BLOCK",rule="rate-limit:join"\} 1/)
})

test('an inspected attack is a BLOCK entry naming the managed rule; in detect mode a COUNT entry', async (t) => {
  const app = await build(t, env)
  const attack = await app.inject({
    url: `/api/v1/events?q=${encodeURIComponent("' OR 1=1 --")}&ticket=t0p-ticket`,
    headers: { authorization: secret, 'x-breakwater-signature': 'sig-value' },
  })
  assert.equal(attack.statusCode, 403)
  const rule = attack.json().rule as string
  const { items } = await securityLog(app)
  assert.equal(items.length, 1, JSON.stringify(items))
  const entry = items[0] as SecurityLogEntry
  assert.equal(entry.action, 'BLOCK')
  assert.equal(entry.terminatingRuleId, rule)
  assert.equal(entry.terminatingRuleType, 'MANAGED_RULE_GROUP')
  assert.equal(entry.ruleGroupList[0]?.ruleGroupId, 'inspection')
  assert.equal(entry.httpRequest.uri, '/api/v1/events')
  assert.match(entry.httpRequest.args, /ticket=\[redacted\]/)
  assert.ok(!JSON.stringify(entry).includes('t0p-ticket'))
  assert.equal(header(entry, 'x-breakwater-signature'), '[redacted]')
  assertRedacted(entry)

  // A body the inspection refuses is logged too, from its own stage.
  const body = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: "admin'--", password: "' OR '1'='1" },
  })
  assert.equal(body.statusCode, 403)
  const bodies = (await securityLog(app, '&rule=inspection')).items
  assert.equal(bodies.length, 2)
  assert.equal(bodies[1]?.httpRequest.uri, '/api/v1/auth/login')
  assert.ok(!JSON.stringify(bodies[1]).includes("'1'='1"), 'the body is never logged')

  const detecting = await build(t, { ...env, INSPECTION_MODE: 'detect' })
  const passed = await detecting.inject({ url: `/api/v1/events?q=${encodeURIComponent("' OR 1=1 --")}` })
  assert.equal(passed.statusCode, 200)
  const counted = await securityLog(detecting)
  assert.equal(counted.items.length, 1)
  assert.equal(counted.items[0]?.action, 'COUNT')
  assert.equal(counted.items[0]?.terminatingRuleId, 'Default_Action')
  assert.equal(counted.items[0]?.ruleGroupList[0]?.terminatingRule, null)
  assert.equal(counted.items[0]?.ruleGroupList[0]?.nonTerminatingMatchingRules[0]?.action, 'COUNT')
})

test('a proof-of-work failure is one BLOCK entry with the solution redacted', async (t) => {
  const app = await build(t, env)
  const eventId = await createQueuedEvent(app, { pow: 'on' })
  const refused = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/join?guest=true`,
    headers: { 'x-queue-pow': 'not-a-solution-at-all' },
  })
  assert.equal(refused.statusCode, 403)
  const { items } = await securityLog(app, '&rule=proof-of-work')
  assert.equal(items.length, 1)
  const entry = items[0] as SecurityLogEntry
  assert.equal(entry.terminatingRuleId, 'proof-of-work:malformed')
  assert.equal(entry.terminatingRuleType, 'REGULAR')
  assert.equal(entry.httpRequest.args, 'guest=true')
  assert.equal(header(entry, 'x-queue-pow'), '[redacted]')
  assert.ok(!JSON.stringify(entry).includes('not-a-solution'))
  const missing = await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/queue/join?guest=true` })
  assert.equal(missing.statusCode, 428)
  assert.equal((await securityLog(app, '&rule=proof-of-work:required')).items.length, 1)
})

test('allowed requests are not logged; the admin query filters and pages; only admins read it', async (t) => {
  const app = await build(t, env)
  assert.equal((await app.inject({ url: '/api/v1/events' })).statusCode, 200)
  assert.equal((await securityLog(app)).items.length, 0)
  for (let i = 0; i < 3; i++)
    await app.inject({ url: `/api/v1/events?q=${encodeURIComponent(`<script>alert(${i})</script>`)}` })
  await app.inject({
    url: '/api/v1/events',
    headers: { 'user-agent': 'sqlmap/1.7.2#stable (https://sqlmap.org)' },
  })
  const all = await securityLog(app)
  assert.equal(all.items.length, 4)
  const first = await securityLog(app, '&limit=2')
  assert.equal(first.items.length, 2)
  assert.equal(first.next, first.items[1]?.position)
  const second = await securityLog(app, `&limit=2&after=${first.next}`)
  assert.deepEqual(
    [...first.items, ...second.items].map((e) => e.httpRequest.requestId),
    all.items.map((e) => e.httpRequest.requestId),
  )
  assert.equal(second.next, null)
  const scanner = all.items.at(-1) as SecurityLogEntry
  assert.equal((await securityLog(app, `&rule=${scanner.terminatingRuleId}`)).items.length, 1)
  assert.equal((await securityLog(app, '&action=COUNT')).items.length, 0)
  assert.equal((await securityLog(app, '&ip=127.0.0.1')).items.length, 4)
  assert.equal((await securityLog(app, '&ip=203.0.113.9')).items.length, 0)

  const url = `/api/v1/admin/security-log?date=${today()}`
  assert.equal((await app.inject({ url })).statusCode, 401)
  assert.equal((await app.inject({ url, headers: await bearer(app, 'guest') })).statusCode, 403)
  assert.equal(
    (
      await app.inject({
        url: '/api/v1/admin/security-log?date=yesterday',
        headers: await bearer(app, 'admin'),
      })
    ).statusCode,
    400,
  )
})

test('with a directory the log is one JSON-lines file a day', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-security-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const app = await build(t, { ...env, SECURITY_LOG_DIR: dir })
  const attack = await app.inject({ url: `/api/v1/events?q=${encodeURIComponent('../../etc/passwd')}` })
  assert.equal(attack.statusCode, 403)
  const { items } = await securityLog(app)
  assert.equal(items.length, 1)
  assert.equal(items[0]?.position, 1)
  const lines = readFileSync(path.join(dir, `${today()}.jsonl`), 'utf8')
    .trim()
    .split('\n')
  assert.equal(lines.length, 1)
  const entry = JSON.parse(lines[0] as string) as SecurityLogEntry
  assert.equal(entry.action, 'BLOCK')
  assert.equal(entry.httpRequest.requestId, attack.headers['x-request-id'])
})
