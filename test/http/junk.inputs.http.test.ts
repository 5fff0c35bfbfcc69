import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { bearer, build } from '../support/app.builder.ts'
import { listening } from '../support/http.listening.ts'
import { createQueuedEvent } from '../support/test.data.ts'

/**
 * Every route of the OpenAPI document the app generates gets generated junk in its path, query,
 * headers and body, shaped by its schema so that most requests pass validation and reach the
 * services and the database: numbers at and past every bound, dates in year 0 and +275760, text
 * with NUL and lone surrogates, wrong types, extra keys. Whatever comes, the answer is not a 5xx.
 * Each request is sent through `app.inject` (Fastify's path) and over HTTP (where the crowd's
 * lane answers its routes first).
 *
 * Before the schema bounds, `?offset=99999999999999999999`, a NUL in an event's name or a
 * `salesOpenAt` in year 0 answered 500 here; fast-check prints the smallest such request it finds.
 */

type Schema = {
  type?: string
  format?: string
  pattern?: string
  enum?: unknown[]
  const?: unknown
  anyOf?: Schema[]
  oneOf?: Schema[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
}
interface Operation {
  method: string
  path: string
  parameters: { in: 'path' | 'query' | 'header'; name: string; schema: Schema }[]
  body: Schema | null
}

/**
 * Runs per route: many where there is much to vary (a body, a query) and a run is cheap; few where
 * each run hashes a password (scrypt). About 2,500 requests, each sent twice: some 15 s of runs on
 * a quiet 2-core machine. The edges the issue named have examples of their own below, so a run
 * that happens to miss them still checks them.
 */
function runsFor(operation: Operation): number {
  if (['/api/v1/auth/register', '/api/v1/auth/login'].includes(operation.path)) return 10
  if (operation.body !== null) return 250
  return operation.parameters.some((p) => p.in === 'query') ? 100 : 30
}

const edgeNumbers = [0, -1, 1, 1.5, -0.5, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 63, 1e20, -1e20, 1e308]
const edgeTexts = [
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\u202e\u0007',
  "'; DROP TABLE events; --",
  '%00',
  '99999999999999999999',
  '1e400',
  '-0',
  'NaN',
  'null',
  'true',
]
const edgeDates = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '1969-12-31T23:59:59Z',
  '2030-06-01T12:00:00+14:00',
]

const anyJson = fc.jsonValue({ maxDepth: 2 })
const iso = (date: Date) => date.toISOString()

/**
 * A value for `schema`: mostly one that fits it everywhere but at one place, which holds an edge
 * (NUL, the largest number allowed, a date in year 0, a wrong type); sometimes an ordinary one,
 * sometimes one that does not fit at all. One edge among ordinary fields gets past validation to
 * the services and the database, where the 500s were.
 */
function valueFor(schema: Schema, known: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: typical(schema, known) },
    { weight: 4, arbitrary: oneEdge(schema, known) },
    { weight: 1, arbitrary: misfit(schema) },
  )
}

/** An ordinary value that fits `schema`, with nothing odd anywhere. */
function typical(schema: Schema, known: string[], depth = 0): fc.Arbitrary<unknown> {
  const variants = schema.anyOf ?? schema.oneOf
  if (variants) return fc.oneof(...variants.map((variant) => typical(variant, known, depth)))
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const min = Math.max(schema.minimum ?? 0, 0)
      return fc.integer({ min, max: Math.max(Math.min(schema.maximum ?? 1000, 1000), min) })
    }
    case 'boolean':
      return fc.boolean()
    case 'string': {
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2001-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map(iso)
      if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...known), fc.uuid())
      if (schema.format === 'email') return fc.emailAddress()
      if (schema.pattern === '^[A-Z]{3}$') return fc.constantFrom('EUR', 'USD', 'KRW')
      const minLength = Math.max(Math.min(schema.minLength ?? 1, 40), 1)
      const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40))
      return fc.string({ unit: 'grapheme-ascii', minLength, maxLength })
    }
    case 'array': {
      const minLength = Math.min(schema.minItems ?? 0, 3)
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, 3))
      return depth > 8
        ? fc.constant([])
        : fc.array(typical(schema.items ?? {}, known, depth + 1), { minLength, maxLength })
    }
    case 'object': {
      if (depth > 8) return fc.constant({})
      const properties = Object.entries(schema.properties ?? {})
      const shape = Object.fromEntries(
        properties.map(([name, inner]) => [name, typical(inner, known, depth + 1)]),
      )
      return fc.record(shape, { requiredKeys: schema.required ?? [] })
    }
    default:
      return anyJson
  }
}

/** A value that fits `schema` but at exactly one place, which holds an edge. */
function oneEdge(schema: Schema, known: string[], depth = 0): fc.Arbitrary<unknown> {
  const variants = schema.anyOf ?? schema.oneOf
  if (variants) return fc.oneof(...variants.map((variant) => oneEdge(variant, known, depth)))
  const properties = Object.entries(schema.properties ?? {})
  if (schema.type === 'object' && properties.length > 0 && depth <= 8) {
    const shape = Object.fromEntries(
      properties.map(([name, inner]) => [name, typical(inner, known, depth + 1)]),
    )
    return fc.oneof(
      ...properties.map(([name, inner]) =>
        fc.record(
          { ...shape, [name]: oneEdge(inner, known, depth + 1) },
          { requiredKeys: [...new Set([...(schema.required ?? []), name])] },
        ),
      ),
    )
  }
  if (schema.type === 'array' && schema.items && depth <= 8) {
    const maxLength = Math.min(schema.maxItems ?? 3, 3)
    return fc
      .tuple(
        fc.array(typical(schema.items, known, depth + 1), { maxLength: Math.max(maxLength - 1, 0) }),
        oneEdge(schema.items, known, depth + 1),
        fc.nat(),
      )
      .map(([items, odd, at]) => items.toSpliced(at % (items.length + 1), 0, odd))
  }
  return edgeOf(schema)
}

/** An edge for one value: odd content that still fits its type and bounds, or a misfit. */
function edgeOf(schema: Schema): fc.Arbitrary<unknown> {
  const fitting = (() => {
    switch (schema.type) {
      case 'integer':
      case 'number': {
        // An unbounded number may be as large as JSON or a query string can say.
        const min = schema.minimum ?? -Number.MAX_VALUE
        const max = schema.maximum ?? Number.MAX_VALUE
        const edges = [min, max, ...edgeNumbers].filter(
          (n) => n >= min && n <= max && (schema.type === 'number' || Number.isInteger(n)),
        )
        return fc.constantFrom(...edges)
      }
      case 'string': {
        if (schema.format === 'date-time')
          return fc.oneof(fc.constantFrom(...edgeDates), fc.date({ noInvalidDate: true }).map(iso))
        if (schema.format === 'email')
          return fc.constantFrom(...edgeTexts).map((text) => `a${text}@example.com`)
        const minLength = schema.minLength ?? 0
        const maxLength = schema.maxLength ?? 1000
        const edges = edgeTexts.filter((text) => text.length >= minLength && text.length <= maxLength)
        return fc.oneof(
          ...(edges.length > 0 ? [fc.constantFrom(...edges)] : []),
          fc.string({ unit: 'binary', minLength, maxLength: Math.min(maxLength, 40) }),
        )
      }
      default:
        return null
    }
  })()
  return fitting === null ? misfit(schema) : fc.oneof({ weight: 3, arbitrary: fitting }, misfit(schema))
}

/** What does not fit: past a bound, of another type, extra keys, anything at all. */
function misfit(schema: Schema): fc.Arbitrary<unknown> {
  const bounds = [schema.minimum, schema.maximum, schema.minLength, schema.maxLength].filter(
    (b): b is number => b !== undefined,
  )
  return fc.oneof(
    anyJson,
    fc.constantFrom(...edgeNumbers, ...edgeTexts, ...bounds.flatMap((b) => [b - 1, b + 1])),
    fc.constant('x'.repeat((schema.maxLength ?? 1000) + 1)),
    fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }),
  )
}

/** A query or path value as text: numbers and booleans as they would be typed, anything else as JSON. */
const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))

/**
 * Percent-encodes the UTF-8 bytes of `value` (a lone surrogate becomes U+FFFD, as a browser sends
 * it); `raw` leaves `%` alone, so that `%zz` and `%00` reach the server as typed.
 */
function percent(value: string, raw: boolean): string {
  let encoded = ''
  for (const byte of new TextEncoder().encode(value)) {
    const char = String.fromCharCode(byte)
    encoded +=
      /[A-Za-z0-9\-._~]/.test(char) || (raw && char === '%') ? char : `%${byte.toString(16).padStart(2, '0')}`
  }
  return encoded
}

interface Junk {
  path: string
  query: string
  headers: Record<string, string>
  body: string | undefined
}

function requestFor(
  operation: Operation,
  known: { ids: string[]; admin: Record<string, string>; guest: Record<string, string> },
) {
  const parameters = (where: 'path' | 'query' | 'header') =>
    operation.parameters.filter((p) => p.in === where)
  const pathParams = fc.record(
    Object.fromEntries(
      parameters('path').map((p) => [
        p.name,
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...known.ids) },
          valueFor(p.schema, known.ids).map(asText),
        ),
      ]),
    ),
  )
  const declared = parameters('query').map((p) => p.name)
  const query = fc.array(
    fc.oneof(
      { weight: declared.length > 0 ? 4 : 0, arbitrary: fc.constantFrom(...declared, 'x') },
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 3 },
  )
  const queryPairs = query.chain((names) =>
    fc.tuple(
      ...names.map((name) => {
        const schema = parameters('query').find((p) => p.name === name)?.schema ?? {}
        return fc.tuple(fc.constant(name), valueFor(schema, known.ids).map(asText), fc.boolean())
      }),
    ),
  )
  const headerNames = [
    ...parameters('header').map((p) => p.name),
    'x-queue-ticket',
    'x-admission-token',
    'idempotency-key',
    'x-request-id',
  ]
  // Header values that HTTP can carry: visible ASCII and spaces, no control characters.
  const headerValue = fc.oneof(
    fc.string({ unit: fc.constantFrom(...' !"#%&()*+,-./0123456789:;<=>?@AZaz[]_{|}~'), maxLength: 80 }),
    fc.constant('x'.repeat(2000)),
    fc.uuid(),
  )
  const headers = fc.tuple(
    fc.oneof(
      // Mostly signed in, as an admin more often than not, so that requests reach the services.
      { weight: 12, arbitrary: fc.constant(known.admin) },
      { weight: 4, arbitrary: fc.constant(known.guest) },
      fc.constant({}),
      headerValue.map((v) => ({ authorization: v })),
    ),
    fc.dictionary(fc.constantFrom(...headerNames), headerValue, { maxKeys: 3 }),
  )
  const body =
    operation.body === null
      ? fc.option(
          anyJson.map((value) => JSON.stringify(value)),
          { nil: undefined, freq: 4 },
        )
      : fc.oneof(
          { weight: 5, arbitrary: valueFor(operation.body, known.ids).map((value) => JSON.stringify(value)) },
          fc.constantFrom('{', '{"a":', '[]', 'null', '"\\u0000"', '{"name":"\\u0000"}'),
        )
  return fc
    .record({ pathParams, queryPairs, headers, body })
    .map(({ pathParams, queryPairs, headers, body }): Junk => {
      const path = operation.path.replace(/\{(\w+)\}/g, (_all, name: string) =>
        percent(pathParams[name] as string, false),
      )
      const query = queryPairs
        .map(([name, value, raw]) => `${percent(name, false)}=${percent(value, raw)}`)
        .join('&')
      const all: Record<string, string> = { ...headers[0], ...headers[1] }
      if (body !== undefined) all['content-type'] = 'application/json'
      return { path, query, headers: all, body }
    })
}

function operationsOf(app: FastifyInstance): Operation[] {
  const document = app.swagger() as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Operation['parameters']
          requestBody?: { content: Record<string, { schema: Schema }> }
        }
      >
    >
  }
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      parameters: operation.parameters ?? [],
      body: operation.requestBody?.content['application/json']?.schema ?? null,
    })),
  )
}

test('generated junk at every route of the API is never answered with a 5xx', async (t) => {
  const app = await build(t, { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  // Ids that exist, so that junk elsewhere in a request reaches the services behind them.
  const queued = await createQueuedEvent(app, { admissionRatePerSec: 10, maxActive: 10 })
  const open = await createQueuedEvent(app, { enabled: false })
  const hold = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${open}/holds`,
    headers: guest,
    payload: { quantity: 1 },
  })
  assert.equal(hold.statusCode, 201, hold.body)
  const known = { ids: [queued, open, hold.json().holdId, randomUUID()], admin, guest }

  const operations = operationsOf(app)
  assert.ok(operations.length >= 20, 'the document lists the API')
  for (const operation of operations) {
    // One subtest per route: a 5xx on one route does not hide those on the others.
    await t.test(`${operation.method} ${operation.path}`, () =>
      fc.assert(
        fc.asyncProperty(requestFor(operation, known), async (junk) => {
          const url = junk.query === '' ? junk.path : `${junk.path}?${junk.query}`
          const injected = await app.inject({
            method: operation.method as 'GET',
            url,
            headers: junk.headers,
            payload: junk.body,
          })
          assert.ok(
            injected.statusCode < 500,
            `inject ${operation.method} ${url}: ${injected.statusCode} ${injected.body}`,
          )
          const served = await fetch(`http://127.0.0.1:${port}${url}`, {
            method: operation.method,
            headers: junk.headers,
            body: operation.method === 'GET' ? undefined : junk.body,
          })
          const answer = await served.text()
          assert.ok(served.status < 500, `HTTP ${operation.method} ${url}: ${served.status} ${answer}`)
        }),
        { numRuns: runsFor(operation) },
      ),
    )
  }
})

test('the edges the probe found are 400s that name the field, on both paths', async (t) => {
  const app = await build(t)
  const http = await listening(app)
  const admin = await bearer(app, 'admin')
  const event = (salesOpenAt: string, name = 'Drop') => ({
    name,
    salesOpenAt,
    capacity: 10,
    priceCents: 100,
    currency: 'EUR',
  })
  const cases = [
    { method: 'GET', url: '/api/v1/events?offset=99999999999999999999', field: 'offset' },
    { method: 'GET', url: '/api/v1/events?offset=9223372036854775807', field: 'offset' },
    { method: 'GET', url: '/api/v1/events?offset=1e%2B308', field: 'offset' },
    { method: 'POST', url: '/api/v1/events', body: event('2030-01-01T00:00:00Z', 'a\u0000b'), field: 'name' },
    { method: 'POST', url: '/api/v1/events', body: event('2030-01-01T00:00:00Z', 'x\ud800'), field: 'name' },
    { method: 'POST', url: '/api/v1/events', body: event('0000-01-01T00:00:00Z'), field: 'salesOpenAt' },
    // Year 1 was stored as 2001 before the range check.
    { method: 'POST', url: '/api/v1/events', body: event('0001-01-01T00:00:00Z'), field: 'salesOpenAt' },
    {
      method: 'POST',
      url: '/api/v1/events',
      body: event('+275760-09-13T00:00:00.000Z'),
      field: 'salesOpenAt',
    },
    {
      method: 'POST',
      url: '/api/v1/auth/register',
      body: { email: 'nul@example.com', password: 'a long enough password', displayName: 'a\u0000' },
      field: 'displayName',
    },
    { method: 'GET', url: '/api/v1/events/00000000-0000-4000-8000-000000000000/queue?x=%00', field: null },
  ] as const
  for (const { method, url, field, ...rest } of cases) {
    const body = 'body' in rest ? JSON.stringify(rest.body) : undefined
    const headers = { ...admin, ...(body ? { 'content-type': 'application/json' } : {}) }
    const injected = await app.inject({ method, url, headers, payload: body })
    const served = await http(method, url, headers, body)
    for (const [path, status, problem] of [
      ['inject', injected.statusCode, injected.json()],
      ['HTTP', served.status, served.body],
    ] as const) {
      if (field === null) {
        assert.ok(status < 500, `${path} ${url}: ${status}`)
        continue
      }
      assert.equal(status, 400, `${path} ${method} ${url} ${body ?? ''}: ${JSON.stringify(problem)}`)
      assert.equal(problem.code, 'BW_VALIDATION')
      assert.deepEqual(
        [...new Set(problem.errors.map((error: { field: string }) => error.field))],
        [field],
        `${path} ${url} ${body ?? ''}`,
      )
    }
  }
})
