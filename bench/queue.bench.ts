import type { ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import autocannon, { type Result } from 'autocannon'
import { buildApp } from '../src/app.ts'
import { loadConfig, parseRedisUrl } from '../src/config.ts'
import { simulatedAddress } from '../src/lab/load/load.client.ts'
import { queueKeys } from '../src/modules/waiting-room/queue.keys.ts'
import { RedisQueueState } from '../src/modules/waiting-room/queue-state.redis.ts'
import { connectRedis, createRedisClient } from '../src/platform/data/redis.client.ts'
import { AccessTokens } from '../src/platform/security/access.tokens.ts'
import { deriveKey } from '../src/platform/security/secrets.store.ts'
import { MemoryFrontierStore } from '../test/support/frontier.store.ts'
import { type Served, serveChild } from './served.process.ts'

/**
 * The waiting room's benchmark: status and join throughput against a bare `node:http` server
 * answering constant JSON, measured in the same run on loopback, and Redis bytes per waiting user.
 * Each server runs in a child process so that the load generator does not share its event loop.
 *
 *   npx tsx bench/queue.bench.ts          BENCH_SECONDS=5 BENCH_JOINS=300000
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379 (join and memory figures need it; "off" skips them)
 */

const seconds = Number(process.env.BENCH_SECONDS ?? 5)
const connections = Number(process.env.BENCH_CONNECTIONS ?? 100)
const joins = Number(process.env.BENCH_JOINS ?? 300_000)
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
// Shared with the child servers, so that the access tokens signed here are valid there.
const secret = process.env.BENCH_SECRET ?? randomBytes(32).toString('base64url')
const constantJson = JSON.stringify({
  state: 'waiting',
  number: 123456,
  position: 4567,
  servingNumber: 118889,
  etaSeconds: 46,
  pollAfterMs: 11432,
  stale: false,
})

async function serveBare(): Promise<Served> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    response.end(constantJson)
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as { port: number }).port }
}

async function serveApp(redis: string | undefined): Promise<Served> {
  const config = loadConfig({
    DATA_DIR: ':memory:',
    LOG_LEVEL: 'warn',
    TOKEN_SECRET: secret,
    REDIS_URL: redis,
    // Joins come from one machine: each carries a simulated address of its own, as the load lab's do,
    // so the per-address limit is measured as part of a join without refusing the benchmark.
    TRUST_PROXY: 'loopback',
    ADMIN_EMAIL: 'bench@breakwater.test',
    ADMIN_PASSWORD: 'bench-password-1',
  })
  const app = await buildApp({ config, logger: false })
  await app.ready()
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'bench@breakwater.test', password: 'bench-password-1' },
  })
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: { authorization: `Bearer ${login.json().accessToken}` },
    payload: {
      name: 'Bench drop',
      salesOpenAt: new Date(Date.now() + 3600_000).toISOString(),
      capacity: 1000,
      priceCents: 100,
      currency: 'EUR',
      queue: { admissionRatePerSec: 100, maxActive: 1000 },
    },
  })
  const eventId: string = created.json().id
  let ticket = ''
  for (let i = 0; i < 1000; i++) ticket = (await app.waitingRoom.service.join(eventId, randomUUID())).ticket
  await app.waitingRoom.refresh()
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as { port: number }).port, eventId, ticket }
}

/** Starts `--serve <kind>` in a child process, sharing this run's secret. */
function child(kind: 'bare' | 'app', env: Record<string, string> = {}) {
  return serveChild(kind, { ...env, BENCH_SECRET: secret })
}

async function load(name: string, options: Parameters<typeof autocannon>[0]): Promise<Result> {
  // A short warm-up so the JIT and connections are ready before measuring.
  await autocannon({ ...options, duration: 1 })
  const result = await autocannon({ connections, duration: seconds, ...options })
  const non2xx = result.non2xx + result.errors + result.timeouts
  console.log(
    `${name.padEnd(34)} ${result.requests.average.toFixed(0).padStart(8)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms${non2xx ? `   non-2xx/errors ${non2xx}` : ''}`,
  )
  return result
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return
  await new Promise<void>((resolve) => {
    proc.once('exit', () => resolve())
    proc.kill('SIGTERM')
  })
}

async function redisReachable(url: string): Promise<boolean> {
  if (url === 'off') return false
  const client = createRedisClient(parseRedisUrl(url))
  const ok = await connectRedis(client, 1000)
  client.disconnect()
  return ok
}

async function memoryPerUser(url: string, count: number): Promise<void> {
  const prefix = `bwbench:${randomBytes(4).toString('hex')}:`
  const client = createRedisClient({ ...parseRedisUrl(url), keyPrefix: prefix })
  await connectRedis(client, 2000)
  const state = new RedisQueueState(client, new MemoryFrontierStore(), {
    graceMs: 30_000,
    admissionTtlMs: 600_000,
  })
  const eventId = randomUUID()
  const settings = { state: 'open' as const, admissionRatePerSec: 100, maxActive: 1000 }
  const started = performance.now()
  const batch = 500
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, () =>
        state.join(eventId, randomUUID(), settings, Date.now()),
      ),
    )
  }
  const joinSeconds = (performance.now() - started) / 1000
  const keys = await client.keys(`${prefix}{ev:${eventId}}:*`)
  let bytes = 0
  for (const key of keys) {
    const unprefixed = key.slice(prefix.length)
    bytes += Number(await client.call('MEMORY', 'USAGE', `${prefix}${unprefixed}`, 'SAMPLES', '0'))
  }
  console.log(
    `redis after ${count} joins: ${bytes} bytes in ${keys.length} keys = ${(bytes / count).toFixed(1)} B per waiting user (${(count / joinSeconds).toFixed(0)} joins/s through the script, ${batch} in flight)`,
  )
  const meta = queueKeys.meta(eventId)
  await client.del(...keys.map((k) => k.slice(prefix.length)), meta)
  client.disconnect()
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

async function main(): Promise<void> {
  console.log(
    `queue benchmark: ${rounds} rounds of ${seconds} s per server, ${connections} connections, loopback, Node ${process.version}`,
  )
  // Both servers stay up and are loaded in turn, so a noisy neighbour affects both alike.
  const bare = await child('bare')
  const app = await child('app')
  const { port, eventId, ticket } = app.served
  const bareRuns: Result[] = []
  const statusRuns: Result[] = []
  for (let round = 0; round < rounds; round++) {
    bareRuns.push(
      await load('bare node:http constant JSON', {
        url: `http://127.0.0.1:${bare.served.port}/`,
        headers: { 'x-queue-ticket': ticket ?? '' },
      }),
    )
    statusRuns.push(
      await load('breakwater GET …/queue/status', {
        url: `http://127.0.0.1:${port}/api/v1/events/${eventId}/queue/status`,
        headers: { 'x-queue-ticket': ticket ?? '' },
      }),
    )
  }
  await stop(app.proc)
  // Each round pairs two runs taken seconds apart; the median of those ratios resists a noisy
  // neighbour better than a ratio of medians.
  const ratios = statusRuns.map((run, i) => run.requests.average / (bareRuns[i]?.requests.average ?? 1))
  console.log(
    `status ratio vs bare per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)} (target ≥ 0.85)`,
  )
  console.log(
    `status p99 per round: ${statusRuns.map((r) => r.latency.p99).join(', ')} ms; bare p99: ${bareRuns.map((r) => r.latency.p99).join(', ')} ms (target ≤ 5 ms)`,
  )

  if (!(await redisReachable(redisUrl))) {
    console.log(`join and memory figures skipped: no Redis at ${redisUrl}`)
    await stop(bare.proc)
    return
  }
  const prefix = `bwbench:${randomBytes(4).toString('hex')}:`
  const withRedis = await child('app', {
    BENCH_REDIS_URL: `${redisUrl}?prefix=${encodeURIComponent(prefix)}`,
  })
  // A new guest on every request: each join hands out a new number.
  const accessTokens = new AccessTokens(deriveKey(secret, 'access-token'), 3600)
  const tokens: string[] = []
  for (let i = 0; i < 150_000; i++)
    tokens.push((await accessTokens.sign({ id: randomUUID(), role: 'customer', guest: true })).token)
  let next = 0
  const joinResult = await load('breakwater POST …/queue/join (redis)', {
    url: `http://127.0.0.1:${withRedis.served.port}`,
    requests: [
      {
        method: 'POST',
        path: `/api/v1/events/${withRedis.served.eventId}/queue/join`,
        setupRequest: (request) => ({
          ...request,
          headers: {
            authorization: `Bearer ${tokens[next % tokens.length]}`,
            'x-forwarded-for': simulatedAddress(next++),
          },
        }),
      },
    ],
  })
  const bareAgain = await load('bare node:http constant JSON', {
    url: `http://127.0.0.1:${bare.served.port}/`,
    method: 'POST',
    headers: { authorization: `Bearer ${tokens[0]}` },
  })
  await stop(withRedis.proc)
  await stop(bare.proc)
  console.log(
    `join ratio vs bare: ${(joinResult.requests.average / bareAgain.requests.average).toFixed(2)} (target ≥ 0.4)${next > tokens.length ? ' (tokens reused: some joins were repeats)' : ''}`,
  )
  await memoryPerUser(redisUrl, joins)
}

const serveIndex = process.argv.indexOf('--serve')
if (serveIndex >= 0) {
  const kind = process.argv[serveIndex + 1]
  const served =
    kind === 'bare' ? await serveBare() : await serveApp(process.env.BENCH_APP_REDIS_URL || undefined)
  console.log(JSON.stringify(served))
  // Exiting through process.exit lets `node --cpu-prof` write its profile when the child is stopped.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0))
} else {
  await main()
  process.exit(0)
}
