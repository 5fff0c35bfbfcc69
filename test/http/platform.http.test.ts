import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { build } from '../support/app.builder.ts'

const problem = 'application/problem+json; charset=utf-8'

// One app for the file (its body limit lowered for the 413 case, its docs on); the tests that break
// it (its database dropped, then draining) run last.
let app: FastifyInstance
before(async () => {
  app = await build(null, { BODY_LIMIT_BYTES: '2048', DOCS_ENABLED: 'true' })
})
after(() => app?.close())

test('liveness answers ok', async () => {
  assert.deepEqual((await app.inject('/healthz')).json(), { status: 'ok' })
})

test('readiness answers 200 with the database checked', async () => {
  const ready = await app.inject('/readyz')
  assert.equal(ready.statusCode, 200)
  assert.deepEqual(ready.json(), { status: 'ready', checks: { database: 'ok' } })
})

test('metrics carry the process and each request under its route template', async () => {
  const series =
    'http_request_duration_seconds_count{route="/api/v1/events/:eventId",method="GET",status_code="404"}'
  const count = async () => {
    const line = (await app.inject('/metrics')).body.split('\n').find((l) => l.startsWith(`${series} `))
    return line ? Number(line.slice(series.length + 1)) : 0
  }
  const before = await count()
  await app.inject('/api/v1/events/00000000-0000-4000-8000-000000000000')
  const metrics = await app.inject('/metrics')
  assert.equal(metrics.statusCode, 200)
  assert.match(metrics.body, /process_cpu_seconds_total/)
  assert.equal(await count(), before + 1)
})

test('the OpenAPI document and its docs page are served', async () => {
  const openapi = (await app.inject('/openapi.json')).json()
  assert.equal(openapi.openapi, '3.1.0')
  assert.ok(openapi.paths['/api/v1/auth/guest'].post)
  const docs = await app.inject('/docs/')
  assert.equal(docs.statusCode, 200)
  assert.match(docs.body, /swagger/i)
})

const badInputs = [
  {
    name: 'malformed JSON',
    request: {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    },
    status: 400,
    code: 'BW_MALFORMED_BODY',
  },
  {
    name: 'body over the limit',
    request: {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(5000) }),
      headers: { 'content-type': 'application/json' },
    },
    status: 413,
    code: 'BW_BODY_TOO_LARGE',
  },
  {
    name: 'unknown route',
    request: { method: 'GET', url: '/api/v1/nothing-here' },
    status: 404,
    code: 'BW_ROUTE_NOT_FOUND',
  },
  {
    name: 'missing field',
    request: { method: 'POST', url: '/api/v1/auth/login', payload: { email: 'a@b.co' } },
    status: 400,
    code: 'BW_VALIDATION',
    field: 'password',
  },
  {
    name: 'wrong type',
    request: {
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'a@b.co', password: 12345678901 },
    },
    status: 400,
    code: 'BW_VALIDATION',
    field: 'password',
  },
  {
    name: 'bad path parameter',
    request: { method: 'GET', url: '/api/v1/events/not-a-uuid' },
    status: 400,
    code: 'BW_VALIDATION',
    field: 'eventId',
  },
  {
    name: 'unsupported media type',
    request: {
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    },
    status: 415,
    code: 'BW_UNSUPPORTED_MEDIA_TYPE',
  },
] as const

describe('bad input is answered as problem details, never 500', () => {
  for (const { name, request, status, code, ...rest } of badInputs) {
    test(`${name}: ${status} ${code}`, async () => {
      const response = await app.inject(request as never)
      assert.equal(response.statusCode, status, name)
      assert.equal(response.headers['content-type'], problem, name)
      const body = response.json()
      assert.equal(body.code, code, name)
      assert.equal(body.status, status, name)
      assert.ok(body.requestId, name)
      if ('field' in rest)
        assert.ok(
          body.errors.some((e: { field: string }) => e.field === rest.field),
          `${name}: ${response.body}`,
        )
    })
  }
})

test('a given request id is kept', async () => {
  const given = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-me-123' } })
  assert.equal(given.headers['x-request-id'], 'trace-me-123')
})

test('a response to a request without one carries a fresh request id', async () => {
  const generated = await app.inject('/healthz')
  assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/)
})

// Last but one: it breaks this app's database.
test('5xx answers hide their internals', async () => {
  // A broken query stands in for any unexpected failure.
  await app.database.rows((await import('drizzle-orm')).sql`DROP TABLE events`)
  const response = await app.inject('/api/v1/events')
  assert.equal(response.statusCode, 500)
  assert.equal(response.json().code, 'BW_INTERNAL')
  assert.doesNotMatch(response.body, /relation|does not exist|DROP/i)
})

// Last: a draining app stays so.
test('readiness answers 503 while draining', async () => {
  app.health.startDraining()
  const ready = await app.inject('/readyz')
  assert.equal(ready.statusCode, 503)
  assert.equal(ready.json().status, 'draining')
})
