import assert from 'node:assert/strict'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { sql } from 'drizzle-orm'
import { type Database, openDatabase } from '../../src/platform/data/database.client.ts'
import { createTestDatabase, testTokenSecret } from '../support/postgres.database.ts'
import { testRedisUrl } from '../support/redis.server.ts'
import { type ServerProcess, startServerProcess } from '../support/server.process.ts'
import { eventInput } from '../support/test.data.ts'

const admin = { email: 'workers@breakwater.test', password: 'workers-password-1' }

interface Answer {
  status: number
  body: Record<string, unknown>
  text: string
}

/**
 * One request on a connection of its own: node:cluster hands each new connection to the next
 * worker, so consecutive calls land on different workers.
 */
function call(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: false,
        headers: payload
          ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : headers,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          let parsed: Record<string, unknown> = {}
          try {
            parsed = JSON.parse(text)
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed, text })
        })
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

/** The pids of the workers that said they listen, in the order they did. */
function listeningPids(server: ServerProcess): number[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.includes('"worker listening"'))
    .map((line) => JSON.parse(line).pid as number)
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, seconds = 30) {
  for (let attempt = 0; attempt < seconds * 10; attempt++) {
    const value = await probe()
    if (value !== undefined) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function workersOn(
  t: TestContext,
  workers: number,
  env: Record<string, string> = {},
  /** Runs on the migrated database before the server starts. */
  prepare?: (database: Database) => Promise<void>,
) {
  const url = await createTestDatabase(t)
  const database = await openDatabase({ url })
  await database.migrate()
  await prepare?.(database)
  await database.close()
  const server = await startServerProcess(t, {
    WORKERS: String(workers),
    DATABASE_URL: url,
    REDIS_URL: testRedisUrl(),
    TOKEN_SECRET: testTokenSecret,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    QUEUE_TICK_MS: '50',
    QUEUE_REFRESH_MS: '50',
    // Twenty guests from one address; the per-address limits have tests of their own.
    RATE_LIMIT_GUEST_PER_MINUTE: '0',
    RATE_LIMIT_JOIN_PER_MINUTE: '0',
    LOG_LEVEL: 'info',
    ...env,
  })
  await until(`${workers} workers listening`, () =>
    listeningPids(server).length >= workers ? true : undefined,
  )
  return server
}

/** The value of one sample in a Prometheus exposition, or undefined when it is absent. */
function sample(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

test('WORKERS=2 share one line: numbers are unique, both answer status, and the ticker calls in order', async (t) => {
  const server = await workersOn(t, 2)
  assert.equal(new Set(listeningPids(server)).size, 2, server.output())

  const login = await call(server.url, 'POST', '/api/v1/auth/login', {}, admin)
  assert.equal(login.status, 200, login.text)
  const operator = { authorization: `Bearer ${login.body.accessToken}` }
  const created = await call(
    server.url,
    'POST',
    '/api/v1/events',
    operator,
    eventInput({ capacity: 100, queue: { admissionRatePerSec: 5 } }),
  )
  assert.equal(created.status, 201, created.text)
  const eventId = created.body.id as string

  // Each join on its own connection: half reach each worker. Two lines would both start at 1.
  const guests: { number: number; ticket: string }[] = []
  for (let i = 0; i < 20; i++) {
    const joined = await call(server.url, 'POST', `/api/v1/events/${eventId}/queue/join?guest=true`)
    assert.equal(joined.status, 201, joined.text)
    guests.push({ number: joined.body.number as number, ticket: joined.body.ticket as string })
  }
  assert.deepEqual(
    guests.map((guest) => guest.number),
    Array.from({ length: 20 }, (_, i) => i + 1),
  )

  // Every answer, from either worker, agrees with the serving number it reports: nobody is
  // called ahead of a smaller number.
  const admitted = new Set<number>()
  await until('every guest called', async () => {
    for (const guest of guests) {
      const status = await call(server.url, 'GET', `/api/v1/events/${eventId}/queue/status`, {
        'x-queue-ticket': guest.ticket,
      })
      assert.equal(status.status, 200, status.text)
      const serving = status.body.servingNumber as number
      assert.equal(status.body.state === 'admitted', guest.number <= serving, status.text)
      if (status.body.state === 'admitted') admitted.add(guest.number)
    }
    return admitted.size === guests.length ? true : undefined
  })

  // One scrape answers for both workers: the joins add up, the build is one build.
  const metrics = await call(server.url, 'GET', '/metrics')
  assert.equal(metrics.status, 200, metrics.text)
  assert.equal(sample(metrics.text, `breakwater_queue_joined_total{event_id="${eventId}"}`), 20)
  assert.equal(sample(metrics.text, 'breakwater_build_info{version="0.1.0",role="all"}'), 1)
  assert.equal(sample(metrics.text, `breakwater_queue_admission_rate_per_second{event_id="${eventId}"}`), 5)
})

test('a worker that dies while serving is replaced; SIGTERM drains every worker and exits 0', async (t) => {
  const server = await workersOn(t, 2)
  const [first] = listeningPids(server)
  process.kill(first as number, 'SIGKILL')
  const replaced = await until('a replacement worker', () => {
    const pids = listeningPids(server)
    return pids.length >= 3 ? pids : undefined
  })
  assert.ok(!replaced.slice(2).includes(first as number))
  assert.match(server.output(), /a worker died while serving; starting another/)
  for (let i = 0; i < 4; i++) assert.equal((await call(server.url, 'GET', '/healthz')).status, 200)

  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0, server.output())
  for (const pid of replaced.slice(1)) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' })
})

test('workers that cannot start stop the server with a failure instead of restarting forever', async (t) => {
  // The primary's own checks (ports, schema) pass; then every worker fails on its way up, here
  // because the database refuses the admin account it writes at start.
  const refuseAdmins = async (database: Database) => {
    await database.rows(
      sql.raw(`CREATE FUNCTION refuse_users() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'no users today'; END $$`),
    )
    await database.rows(
      sql.raw(
        'CREATE TRIGGER refuse_users BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION refuse_users()',
      ),
    )
  }
  await assert.rejects(
    workersOn(t, 2, {}, refuseAdmins),
    /server exited early:[\s\S]*a worker died before it listened; stopping the server/,
  )
})

test('a port in use stops a WORKERS=N server in one line, before any worker starts', async (t) => {
  // Taken by a server that answers 503, so the readiness poll never takes it for ours.
  const taken = createServer((_, response) => response.writeHead(503).end())
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    taken.closeAllConnections()
    return new Promise<void>((resolve) => taken.close(() => resolve()))
  })
  const { port } = taken.address() as AddressInfo
  await assert.rejects(workersOn(t, 2, { PORT: String(port) }), (error: Error) => {
    const output = error.message.replace(/^server exited early:\n/, '').trim()
    assert.match(output, new RegExp(`^breakwater: port ${port} on 127\\.0\\.0\\.1 is already in use`))
    assert.doesNotMatch(output, /\n/, 'one line, and no worker was started')
    return true
  })
})
