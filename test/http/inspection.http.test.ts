import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { BenignRequest } from '../fixtures/inspection/benign.build.ts'
import { bearer, build } from '../support/app.builder.ts'
import { eventInput } from '../support/test.data.ts'

const fixtures = new URL('../fixtures/inspection/', import.meta.url)

/** Every payload of the attack lists: one a line, the lists' own `# comment` lines left out. */
function attacks(): { list: string; payload: string }[] {
  const all: { list: string; payload: string }[] = []
  for (const list of readdirSync(new URL('attacks/', fixtures)).sort())
    for (const line of readFileSync(new URL(`attacks/${list}`, fixtures), 'utf8').split('\n'))
      if (line.trim() !== '' && !/^#\s/.test(line)) all.push({ list, payload: line })
  return all
}

const benign: BenignRequest[] = JSON.parse(readFileSync(new URL('benign.json', fixtures), 'utf8'))

const isBlocked = (response: { statusCode: number; json(): { code?: string } }) =>
  response.statusCode === 403 && response.json().code === 'BW_REQUEST_BLOCKED'

const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'

/** Sends one payload as a search query, a sign-in's email or an event's name, in turn; a user agent as itself. */
function sendAttack(
  app: FastifyInstance,
  admin: { authorization: string },
  list: string,
  payload: string,
  i: number,
) {
  if (list.startsWith('scanner'))
    return app.inject({ method: 'GET', url: '/api/v1/events', headers: { 'user-agent': payload } })
  const headers = { 'user-agent': browser }
  if (i % 3 === 0)
    return app.inject({ method: 'GET', url: `/api/v1/events?q=${encodeURIComponent(payload)}`, headers })
  if (i % 3 === 1)
    return app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers,
      payload: { email: payload, password: 'whatever it is' },
    })
  return app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { ...headers, ...admin },
    payload: { name: payload },
  })
}

test('the attack corpus is refused at 99 % or more and the benign corpus at 0.5 % or less, at paranoia 1', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const corpus = attacks()
  assert.ok(corpus.length >= 500, `${corpus.length} attack payloads`)
  let blocked = 0
  const missed: string[] = []
  for (const [i, { list, payload }] of corpus.entries()) {
    const response = await sendAttack(app, admin, list, payload, i)
    if (isBlocked(response)) {
      blocked++
      const problem = response.json()
      assert.match(problem.rule, /^9\d{5}$/)
      assert.match(problem.detail, new RegExp(`rule ${problem.rule}`))
      // The refusal names the rule, never the input.
      if (payload.length >= 8) assert.ok(!response.body.includes(payload), `echoed: ${payload}`)
    } else missed.push(`${list}: ${payload}`)
  }
  const blockedRate = blocked / corpus.length

  assert.ok(benign.length >= 2000, `${benign.length} benign requests`)
  let refused = 0
  const wronglyRefused: string[] = []
  for (const request of benign) {
    const response = await app.inject({
      method: request.method,
      url: request.url,
      headers:
        request.kind === 'listing' || request.kind === 'chat'
          ? { ...request.headers, ...admin }
          : request.headers,
      ...(request.body === undefined ? {} : { payload: request.body }),
    })
    // Validation may refuse these (400): they are made to stop there, after inspection.
    assert.ok(response.statusCode < 500, response.body)
    if (isBlocked(response)) {
      refused++
      wronglyRefused.push(`${response.json().rule}: ${JSON.stringify(request.body ?? request.url)}`)
    }
  }
  const refusedRate = refused / benign.length
  console.log(
    `inspection (libddwaf, paranoia 1): attacks blocked ${(blockedRate * 100).toFixed(2)} % (${blocked}/${corpus.length}), ` +
      `benign refused ${(refusedRate * 100).toFixed(2)} % (${refused}/${benign.length})`,
  )
  assert.ok(blockedRate >= 0.99, `blocked ${blockedRate}; missed:\n${missed.slice(0, 30).join('\n')}`)
  assert.ok(refusedRate <= 0.005, `refused ${refusedRate}:\n${wronglyRefused.slice(0, 30).join('\n')}`)
})

test('a refusal is 403 problem details BW_REQUEST_BLOCKED naming the rule, on the URL, a header or the body', async (t) => {
  const app = await build(t)
  const query = await app.inject({
    method: 'GET',
    url: `/api/v1/events?q=${encodeURIComponent("1' OR '1'='1")}`,
  })
  assert.equal(query.statusCode, 403)
  assert.equal(query.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(query.json().code, 'BW_REQUEST_BLOCKED')
  assert.match(query.json().rule, /^942/)
  assert.equal(typeof query.json().requestId, 'string')

  const scanner = await app.inject({
    method: 'GET',
    url: '/api/v1/events',
    headers: { 'user-agent': 'sqlmap/1.7.2#stable' },
  })
  assert.equal(scanner.json().rule, '913100')
  // The crowd's lane routes pass the same stage.
  const guest = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/guest',
    headers: { 'user-agent': 'Nikto/2.5.0' },
  })
  assert.equal(guest.statusCode, 403)
  assert.equal(guest.json().rule, '913100')

  const body = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: '<script>alert(1)</script>@example.com', password: 'a long enough password' },
  })
  assert.equal(body.statusCode, 403)
  assert.equal(body.json().code, 'BW_REQUEST_BLOCKED')
  assert.match(body.json().rule, /^941/)
  assert.ok(!body.body.includes('<script>'))

  const traversal = await app.inject({
    method: 'GET',
    url: '/api/v1/events?file=..%2f..%2f..%2fetc%2fpasswd',
  })
  assert.equal(traversal.statusCode, 403)

  // Honest requests pass: O'Neil, Korean text, a price.
  const honest = await app.inject({
    method: 'GET',
    url: `/api/v1/events?q=${encodeURIComponent("O'Neil 아이폰 15 ₩350,000")}`,
    headers: { 'user-agent': browser },
  })
  assert.equal(honest.statusCode, 200)
})

test('a route’s prose fields skip the SQLi and XSS prose checks but not traversal or script tags; a password is not inspected', async (t) => {
  const app = await build(t)
  const admin = await bearer(app, 'admin')
  const prose = "Front row; don't SELECT seats FROM the back -- or 1=1 'a'='a', honestly. <b>bold</b>"
  const asDescription = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: admin,
    payload: eventInput({ name: 'Prose night', description: prose }),
  })
  assert.equal(asDescription.statusCode, 201, asDescription.body)

  const asName = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: admin,
    payload: eventInput({ name: prose }),
  })
  assert.equal(asName.statusCode, 403)
  assert.match(asName.json().rule, /^94[12]/)

  for (const [description, rule] of [
    ['See ../../../../etc/passwd for details', /^930/],
    ['Nice <script>fetch("//evil.example")</script>', /^941110$/],
  ] as const) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: admin,
      payload: eventInput({ name: 'Still checked', description }),
    })
    assert.equal(response.statusCode, 403, description)
    assert.match(response.json().rule, rule)
  }

  // Any characters may make a password; it is hashed, never put in SQL or a page.
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'nobody@example.com', password: "' OR 1=1 -- <script>" },
  })
  assert.equal(login.statusCode, 401, login.body)
})

test('detect mode logs what it would refuse and lets the request on; off inspects nothing', async (t) => {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const app = await build(t, { INSPECTION_MODE: 'detect' }, { logger: { level: 'info', stream } })
  const started = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request inspection on')
  assert.equal(started?.mode, 'detect')
  assert.match(started?.engine, /^libddwaf /)

  const payload = "1' UNION SELECT password FROM users--"
  const response = await app.inject({ method: 'GET', url: `/api/v1/events?q=${encodeURIComponent(payload)}` })
  assert.equal(response.statusCode, 200)
  const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg.includes('detect mode'))
  assert.ok(logged, 'a detect-mode line')
  assert.equal(logged.level, 40)
  assert.ok(logged.rules.some((rule: string) => rule.startsWith('942')))
  assert.ok(logged.score >= 5)
  assert.equal(logged.path, '/api/v1/events')

  const off = await build(t, { INSPECTION_MODE: 'off' })
  const passed = await off.inject({
    method: 'GET',
    url: '/api/v1/events',
    headers: { 'user-agent': 'sqlmap/1.7' },
  })
  assert.equal(passed.statusCode, 200)
})

test('status polls are not inspected: signed-ticket only, no body, and the hottest path', async (t) => {
  const app = await build(t)
  const eventId = '00000000-0000-4000-8000-000000000000'
  const response = await app.inject({
    method: 'GET',
    url: `/api/v1/events/${eventId}/queue/status`,
    headers: { 'user-agent': 'sqlmap/1.7' },
  })
  // Refused for its missing ticket, not by inspection.
  assert.notEqual(response.json().code, 'BW_REQUEST_BLOCKED')
})
