import assert from 'node:assert/strict'
import { test } from 'node:test'
import { build } from '../support/app.builder.ts'
import { listening, servedByLane } from '../support/http.listening.ts'

// On main before this fix both paths echoed any X-Request-Id and Fastify logged it as reqId: drop
// requestIdOf from app.ts's genReqId or the lane's run() to watch these fail.

const fresh = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const junk = [
  'x'.repeat(65),
  'forged" level=60 msg="admin signed in',
  '<script>alert(1)</script>',
  'A'.repeat(8000),
]

test('a plain X-Request-Id is kept on both paths; anything else is replaced, never echoed', async (t) => {
  const app = await build(t)
  const http = await listening(app)
  const given = 'trace-00f3:web.7_a'

  // The crowd's lane (guest sign-in) and Fastify (health), over real HTTP.
  for (const [method, path] of [
    ['POST', '/api/v1/auth/guest'],
    ['GET', '/healthz'],
  ] as const) {
    const kept = await http(method, path, { 'x-request-id': given })
    assert.equal(kept.headers.get('x-request-id'), given, path)
    assert.equal(servedByLane(kept.headers), path === '/api/v1/auth/guest', path)
    for (const header of junk) {
      const answered = await http(method, path, { 'x-request-id': header })
      assert.ok(answered.status < 500, path)
      assert.match(answered.headers.get('x-request-id') ?? '', fresh, `${path}: ${header.slice(0, 40)}`)
    }
  }
  // A refusal's problem document names the same id as the header.
  const refused = await http(
    'POST',
    '/api/v1/auth/login',
    { 'content-type': 'application/json', 'x-request-id': junk[1] as string },
    '{}',
  )
  assert.equal(refused.status, 400)
  assert.equal(refused.body.requestId, refused.headers.get('x-request-id'))
  assert.match(refused.body.requestId, fresh)
  const laneRefused = await http(
    'GET',
    `/api/v1/events/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/queue/status`,
    {
      'x-request-id': junk[0] as string,
    },
  )
  assert.equal(laneRefused.status, 401)
  assert.ok(servedByLane(laneRefused.headers))
  assert.equal(laneRefused.body.requestId, laneRefused.headers.get('x-request-id'))
  assert.match(laneRefused.body.requestId, fresh)
})

test('the log carries a valid request id only, never the header it replaced', async (t) => {
  const lines: string[] = []
  const app = await build(
    t,
    {},
    { logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } } },
  )
  const given = 'trace-me-123'
  await app.inject({ url: '/healthz', headers: { 'x-request-id': given } })
  for (const header of junk) await app.inject({ url: '/api/v1/nowhere', headers: { 'x-request-id': header } })

  const logged = lines.map((line) => JSON.parse(line) as { reqId?: string })
  const ids = new Set(logged.map((entry) => entry.reqId).filter((id) => id !== undefined))
  assert.ok(ids.has(given), 'a valid id is logged as given')
  assert.equal(ids.size, 1 + junk.length, 'each replaced header got an id of its own')
  for (const id of ids) if (id !== given) assert.match(id, fresh)
  for (const header of junk)
    assert.ok(
      !lines.some((line) => line.includes(header.slice(0, 60))),
      `${header.slice(0, 40)} reached the log`,
    )
})
