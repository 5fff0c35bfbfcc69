import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { test } from 'node:test'
import { bearer, build } from '../support/app.builder.ts'
import { createEvent, createQueuedEvent } from '../support/test.data.ts'

/**
 * The hostile inputs the issue names, one kind per test, each sent over a real socket to the
 * crowd's lane routes (join, status, enter) and to Fastify's (holds, orders, register, login,
 * event creation): whatever comes is a 4xx problem document with a stable code, never a 5xx and
 * never a hang. The hang guard is a per-request deadline: a request that has no answer by then
 * fails its test as "no answer", which is an outcome, not a timing.
 */

const problemType = 'application/problem+json; charset=utf-8'
const hangGuardMs = 10_000

interface Answer {
  status: number
  type: string | null
  body: { code?: string; detail?: string; errors?: { field: string }[] }
}

interface Target {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
}

async function setUp(t: Parameters<typeof build>[0]) {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const queued = await createQueuedEvent(app, { enabled: true })
  const open = await createEvent(app, admin)
  const json = { 'content-type': 'application/json' }
  const ticket = { 'x-queue-ticket': 'not-a-ticket' }
  const targets: Record<string, Target> = {
    join: { method: 'POST', path: `/api/v1/events/${queued}/queue/join`, headers: { ...guest } },
    status: { method: 'GET', path: `/api/v1/events/${queued}/queue/status`, headers: ticket },
    enter: { method: 'POST', path: `/api/v1/events/${queued}/queue/enter`, headers: { ...guest, ...ticket } },
    holds: { method: 'POST', path: `/api/v1/events/${open}/holds`, headers: { ...admin, ...json } },
    orders: {
      method: 'POST',
      path: '/api/v1/orders',
      headers: { ...admin, ...json, 'idempotency-key': randomUUID() },
    },
    register: { method: 'POST', path: '/api/v1/auth/register', headers: json },
    login: { method: 'POST', path: '/api/v1/auth/login', headers: json },
    events: { method: 'POST', path: '/api/v1/events', headers: { ...admin, ...json } },
  }
  return { port, targets }
}

/** Sends a request with fetch, whose body may be any bytes, and reads the answer within the hang guard. */
async function send(port: number, target: Target, body?: string | Blob, suffix = ''): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${port}${target.path}${suffix}`, {
    method: target.method,
    // A body is JSON, whichever route it goes to; the lane hands any body to Fastify.
    headers: body === undefined ? target.headers : { 'content-type': 'application/json', ...target.headers },
    body,
    signal: AbortSignal.timeout(hangGuardMs),
  })
  const text = await response.text()
  return { status: response.status, type: response.headers.get('content-type'), body: JSON.parse(text) }
}

/**
 * Writes raw bytes and reads the answer: Node's parser refuses what is too large before a request
 * exists, and fetch's own rules must not stand between the bytes and the server. The server may
 * close the socket while the rest is still being written; what it answered before that counts.
 */
function rawExchange(port: number, bytes: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    const guard = setTimeout(() => {
      socket.destroy()
      reject(new Error('no answer: the request hung'))
    }, hangGuardMs)
    const settle = () => {
      clearTimeout(guard)
      const [head = '', ...rest] = text.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const type = lines.find((line) => line.toLowerCase().startsWith('content-type:'))
      try {
        resolve({
          status: Number(statusLine.split(' ')[1]),
          type: type ? type.slice(type.indexOf(':') + 1).trim() : null,
          body: JSON.parse(rest.join('\r\n\r\n')),
        })
      } catch {
        reject(new Error(`not a problem document: ${JSON.stringify(text.slice(0, 300))}`))
      }
    }
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
    socket.once('connect', () => socket.write(bytes))
    socket.once('close', settle)
    // EPIPE or a reset while writing: the answer, if any, has already arrived.
    socket.on('error', () => {})
  })
}

function rawRequest(target: Target, path: string, extraHeaders: string): string {
  const headers = Object.entries(target.headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  return `${target.method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}${extraHeaders}Content-Length: 0\r\nConnection: close\r\n\r\n`
}

function assertProblem(answer: Answer, status: number, code: string, what: string): void {
  assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`)
  assert.equal(answer.type, problemType, what)
  assert.equal(answer.body.code, code, what)
}

test('headers of 100 KB are 431 problem details on every route', async (t) => {
  const { port, targets } = await setUp(t)
  for (const [name, target] of Object.entries(targets)) {
    const answer = await rawExchange(
      port,
      rawRequest(target, target.path, `X-Big: ${'a'.repeat(100_000)}\r\n`),
    )
    assertProblem(answer, 431, 'BW_HEADERS_TOO_LARGE', name)
  }
})

test('a query of a million characters is 431 problem details, on the lane and off it', async (t) => {
  const { port, targets } = await setUp(t)
  const query = `?guest=${'x'.repeat(1_000_000)}`
  for (const [name, target] of Object.entries(targets)) {
    const answer = await rawExchange(port, rawRequest(target, `${target.path}${query}`, ''))
    // Node's parser counts the request line against the header limit.
    assertProblem(answer, 431, 'BW_HEADERS_TOO_LARGE', name)
  }
})

test('a lane query the lane cannot take is refused by validation, naming the parameter', async (t) => {
  const { port, targets } = await setUp(t)
  const repeated = `?${Array.from({ length: 1_000 }, () => 'guest=true').join('&')}`
  const answers = [
    ['join, guest repeated', await send(port, targets.join as Target, undefined, repeated)],
    ['join, guest not a flag', await send(port, targets.join as Target, undefined, '?guest=%C3%28')],
  ] as const
  for (const [what, answer] of answers) {
    assertProblem(answer, 400, 'BW_VALIDATION', what)
    assert.match(answer.body.detail ?? '', /guest/, what)
  }
})

test('JSON nested 10,000 deep is a 400, never a stack overflow', async (t) => {
  const { port, targets } = await setUp(t)
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`
  // Join takes no body: one sent is parsed (and inspected) on Fastify's path, then ignored.
  const join = await send(port, targets.join as Target, `{"x":${deep}}`)
  assert.equal(join.status, 201, JSON.stringify(join.body))
  const bodies: Record<string, string> = {
    holds: `{"quantity":${deep}}`,
    orders: `{"holdId":${deep},"paymentToken":"tok_visa"}`,
    register: `{"email":${deep},"password":"a long enough password"}`,
    login: `{"email":"a@b.test","password":${deep}}`,
    events: `{"name":"Deep","seatMap":{"sections":${deep}}}`,
  }
  for (const [name, body] of Object.entries(bodies)) {
    const answer = await send(port, targets[name] as Target, body)
    assertProblem(answer, 400, 'BW_VALIDATION', name)
  }
})

test('a JSON body that is not UTF-8 is 400 BW_MALFORMED_BODY, never stored text', async (t) => {
  const { port, targets } = await setUp(t)
  // 0xC3 opens a two-byte sequence that 0x28 ("(") cannot continue.
  const notUtf8 = (json: string) => {
    const [before = '', after = ''] = json.split('\u0000')
    return new Blob([before, new Uint8Array([0xc3, 0x28]), after])
  }
  const bodies: Record<string, Blob> = {
    join: notUtf8('{"x":"\u0000"}'),
    holds: notUtf8('{"quantity":1,"x":"\u0000"}'),
    orders: notUtf8(`{"holdId":"${randomUUID()}","paymentToken":"tok_\u0000"}`),
    register: notUtf8('{"email":"new@b.test","password":"a long enough password","displayName":"\u0000"}'),
    login: notUtf8('{"email":"a@b.test","password":"pass\u0000word"}'),
    events: notUtf8(
      `{"name":"Night \u0000","salesOpenAt":"${new Date().toISOString()}","capacity":10,"priceCents":100,"currency":"USD"}`,
    ),
  }
  for (const [name, body] of Object.entries(bodies)) {
    const answer = await send(port, targets[name] as Target, body)
    assertProblem(answer, 400, 'BW_MALFORMED_BODY', name)
    assert.match(answer.body.detail ?? '', /UTF-8/, name)
  }
})

test('seatIds with 100,000 items is 413, with 101 a 400 naming seatIds', async (t) => {
  const { port, targets } = await setUp(t)
  const holds = targets.holds as Target
  const huge = await send(
    port,
    holds,
    JSON.stringify({ seatIds: Array.from({ length: 100_000 }, randomUUID) }),
  )
  assertProblem(huge, 413, 'BW_BODY_TOO_LARGE', '100,000 seat ids')
  const tooMany = await send(
    port,
    holds,
    JSON.stringify({ seatIds: Array.from({ length: 101 }, randomUUID) }),
  )
  assertProblem(tooMany, 400, 'BW_VALIDATION', '101 seat ids')
  assert.ok(
    tooMany.body.errors?.some((e) => e.field === 'seatIds'),
    JSON.stringify(tooMany.body),
  )
})

test('a quantity that is negative, fractional, 10^12, text or null is a 400 naming quantity', async (t) => {
  const { port, targets } = await setUp(t)
  for (const quantity of [-1, 0, 1.5, 1e12, '1', null]) {
    const answer = await send(port, targets.holds as Target, JSON.stringify({ quantity }))
    const what = `quantity ${JSON.stringify(quantity)}`
    assertProblem(answer, 400, 'BW_VALIDATION', what)
    assert.ok(
      answer.body.errors?.some((e) => e.field === 'quantity'),
      `${what}: ${JSON.stringify(answer.body)}`,
    )
  }
})

test('a body over the limit is 413 problem details on every route that takes one', async (t) => {
  const { port, targets } = await setUp(t)
  const body = JSON.stringify({ padding: 'x'.repeat(100 * 1024) })
  for (const [name, target] of Object.entries(targets)) {
    if (target.method === 'GET') continue
    const answer = await send(port, target, body)
    assertProblem(answer, 413, 'BW_BODY_TOO_LARGE', name)
  }
})
