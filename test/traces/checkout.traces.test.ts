import assert from 'node:assert/strict'
import { test } from 'node:test'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { startTelemetry, stopTelemetry } from '../../src/platform/process/telemetry.ts'
import { eventInput } from '../support/test.data.ts'

// Tracing must start before the app's libraries load, hence the dynamic imports below.
const exporter = new InMemorySpanExporter()
startTelemetry({ serviceName: 'breakwater-test', version: 'test', exporter })
const { build, testAdmin } = await import('../support/app.builder.ts')
const { createTestDatabase, testTokenSecret } = await import('../support/postgres.database.ts')
const { testRedisUrl } = await import('../support/redis.server.ts')

test('one checkout is one trace across HTTP, PostgreSQL and Redis, and its log lines carry the trace id', async (t) => {
  t.after(stopTelemetry)
  const logs: string[] = []
  const app = await build(
    t,
    {
      DATABASE_URL: await createTestDatabase(t),
      TOKEN_SECRET: testTokenSecret,
      REDIS_URL: testRedisUrl(),
      ADMIN_EMAIL: undefined,
      ADMIN_PASSWORD: undefined,
      QUEUE_TICK_MS: '0',
      QUEUE_REFRESH_MS: '0',
    },
    { logger: { level: 'info', stream: { write: (line: string) => logs.push(line) } } },
  )
  await app.database.migrate()
  await app.accounts.bootstrapAdmin(testAdmin.email, testAdmin.password)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    return { status: response.status, json: (await response.json()) as Record<string, string> }
  }

  const admin = {
    authorization: `Bearer ${String((await call('POST', '/api/v1/auth/login', {}, testAdmin)).json.accessToken)}`,
  }
  const event = await call(
    'POST',
    '/api/v1/events',
    admin,
    eventInput({ queue: { enabled: true, admissionRatePerSec: 100, maxActive: 10 } }),
  )
  assert.equal(event.status, 201)
  const eventId = String(event.json.id)
  const buyer = {
    authorization: `Bearer ${String((await call('POST', '/api/v1/auth/guest')).json.accessToken)}`,
  }
  const joined = await call('POST', `/api/v1/events/${eventId}/queue/join`, buyer)
  // The ticker is driven by hand (QUEUE_TICK_MS=0): a few seconds of admissions.
  for (let second = 1; second <= 3; second++) {
    await app.waitingRoom.ticker.tick(Date.now() + second * 1000)
    await app.waitingRoom.refresh()
  }
  const entered = await call('POST', `/api/v1/events/${eventId}/queue/enter`, {
    ...buyer,
    'x-queue-ticket': String(joined.json.ticket),
  })
  assert.equal(entered.status, 200)
  const hold = await call(
    'POST',
    `/api/v1/events/${eventId}/holds`,
    { ...buyer, 'x-admission-token': String(entered.json.admissionToken) },
    { quantity: 1 },
  )
  assert.equal(hold.status, 201)

  exporter.reset()
  logs.length = 0
  const order = await call(
    'POST',
    '/api/v1/orders',
    { ...buyer, 'idempotency-key': 'traced-checkout' },
    {
      holdId: hold.json.holdId,
      paymentToken: 'tok_approved',
    },
  )
  assert.equal(order.status, 201)
  assert.equal(order.json.status, 'paid')

  const spans = exporter.getFinishedSpans()
  const server = spans.find(
    (span) =>
      span.instrumentationScope.name === '@opentelemetry/instrumentation-http' &&
      span.name.startsWith('POST'),
  )
  assert.ok(server, `no HTTP server span among ${spans.map((s) => s.name).join(', ')}`)
  const traceId = server.spanContext().traceId
  const inTrace = spans.filter((span) => span.spanContext().traceId === traceId)
  const scopes = new Set(inTrace.map((span) => span.instrumentationScope.name))
  assert.ok(scopes.has('@opentelemetry/instrumentation-pg'), `PostgreSQL spans in the trace: ${[...scopes]}`)
  assert.ok(scopes.has('@opentelemetry/instrumentation-ioredis'), `Redis spans in the trace: ${[...scopes]}`)
  assert.ok(scopes.has('@fastify/otel'))
  assert.ok(
    logs.some((line) => JSON.parse(line).trace_id === traceId),
    'a log line of the checkout carries its trace id',
  )
  // Closed here, before the test database is dropped under it.
  await app.close()
})
