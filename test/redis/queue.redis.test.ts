import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseRedisUrl } from '../../src/config.ts'
import { connectRedis, createRedisClient } from '../../src/platform/data/redis.client.ts'
import { bearer, build } from '../support/app.builder.ts'
import { admitAll, joinGuests } from '../support/queue.fixtures.ts'
import { freePort, startRedisServer, testRedisUrl } from '../support/redis.server.ts'
import { createQueuedEvent } from '../support/test.data.ts'
import { mutate } from '../support/token.mutations.ts'

const env = { QUEUE_TICK_MS: '0', QUEUE_REFRESH_MS: '0', QUEUE_GRACE_MS: '3600000' }

test('redis: guests are called in the order they joined, and the place survives a restart', async (t) => {
  const redisUrl = testRedisUrl()
  const app = await build(t, { ...env, REDIS_URL: redisUrl })
  const eventId = await createQueuedEvent(app, { admissionRatePerSec: 4 })
  const guests = await joinGuests(app, eventId, 30)
  const order = await admitAll(app, eventId, guests)
  assert.deepEqual(
    order,
    guests.map((_, i) => i),
  )
  // Another process on the same Redis sees the same line.
  const second = await build(t, { ...env, REDIS_URL: redisUrl })
  await second.waitingRoom.cache.load(eventId)
  const frontier = (await second.inject(`/api/v1/events/${eventId}/queue`)).json()
  assert.equal(frontier.lastNumber, 30)
  assert.equal(frontier.servingNumber, 30)
})

/** An app on its own Redis, with one guest in the line of a queued event, and that Redis stopped. */
async function redisGone(t: TestContext) {
  const redis = await startRedisServer(t)
  const app = await build(t, { ...env, REDIS_URL: redis.url })
  const eventId = await createQueuedEvent(app)
  const [guest] = await joinGuests(app, eventId, 1)
  assert.ok(guest)
  await app.waitingRoom.refresh()
  await redis.stop()
  return { redis, app, eventId, guest }
}

test('redis down: a join answers 503 with Retry-After', async (t) => {
  const { app, eventId } = await redisGone(t)
  const join = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/join`,
    headers: await bearer(app, 'guest'),
  })
  assert.equal(join.statusCode, 503)
  assert.equal(join.headers['retry-after'], '1')
  assert.equal(join.json().code, 'BW_UNAVAILABLE')
})

test('redis down: a status poll answers from the last known frontier, marked stale', async (t) => {
  const { app, eventId, guest } = await redisGone(t)
  await app.waitingRoom.ticker.tick(Date.now()).catch(() => {})
  await app.waitingRoom.refresh()
  await sleep(1600)
  await app.waitingRoom.refresh()
  const status = await app.inject({
    url: `/api/v1/events/${eventId}/queue/status`,
    headers: { 'x-queue-ticket': guest.ticket },
  })
  assert.equal(status.statusCode, 200)
  assert.equal(status.json().stale, true)
  assert.equal(status.json().number, 1)
})

test('redis down: enter is refused with a problem, not left hanging', async (t) => {
  const { app, eventId, guest } = await redisGone(t)
  const enter = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/enter`,
    headers: { ...guest.headers, 'x-queue-ticket': guest.ticket },
  })
  assert.ok([503, 409].includes(enter.statusCode), `${enter.statusCode} ${enter.body}`)
  assert.equal(enter.headers['content-type'], 'application/problem+json; charset=utf-8')
})

test('redis back: joins are answered again', async (t) => {
  const { redis, app, eventId } = await redisGone(t)
  await redis.start()
  await sleep(1500)
  const back = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/queue/join`,
    headers: await bearer(app, 'guest'),
  })
  // This redis-server keeps nothing on disk, so the line restarts; that it answers is the point.
  assert.equal(back.statusCode, 201, back.body)
})

test('redis: forged and foreign tickets never reach Redis', async (t) => {
  const redis = await startRedisServer(t)
  const app = await build(t, { ...env, REDIS_URL: redis.url })
  const eventId = await createQueuedEvent(app)
  const [guest, other] = await joinGuests(app, eventId, 2)
  assert.ok(guest && other)
  const probe = createRedisClient(parseRedisUrl(redis.url))
  // The server may already be gone when this runs; disconnect sends nothing.
  probe.on('error', () => {})
  t.after(() => probe.disconnect())
  await connectRedis(probe, 2000)
  // Every command Redis ran but INFO itself, which this probe sends.
  const calls = async () => {
    const info = String(await probe.call('INFO', 'commandstats'))
    return [...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
      .filter((m) => m[1] !== 'info')
      .reduce((sum, m) => sum + Number(m[2]), 0)
  }
  const before = await calls()
  for (let i = 0; i < 200; i++) {
    const mutated = mutate(guest.ticket, other.ticket)
    const enter = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/queue/enter`,
      headers: { ...guest.headers, 'x-queue-ticket': i % 2 ? mutated : other.ticket },
    })
    assert.ok([401, 403].includes(enter.statusCode), `${enter.statusCode}`)
  }
  assert.equal(await calls(), before)
})

const hasRedisCli = spawnSync('sh', ['-c', 'command -v redis-cli'], { stdio: 'ignore' }).status === 0

async function startCluster(t: TestContext): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-cluster-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const ports = [await freePort(), await freePort(), await freePort()]
  for (const port of ports) {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(dir, `nodes-${port}.conf`),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    )
    t.after(() => {
      child.kill('SIGKILL')
    })
  }
  for (const port of ports) {
    for (let i = 0; i < 50; i++) {
      if (
        spawnSync('redis-cli', ['-p', String(port), 'ping'])
          .stdout?.toString()
          .includes('PONG')
      )
        break
      await sleep(100)
    }
  }
  const created = spawnSync(
    'redis-cli',
    [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ],
    { encoding: 'utf8', timeout: 30_000 },
  )
  assert.equal(created.status, 0, created.stderr || created.stdout)
  for (let i = 0; i < 100; i++) {
    const info = spawnSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' })
    if (info.stdout.includes('cluster_state:ok')) break
    await sleep(100)
  }
  return `redis://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`
}

test('redis cluster: three nodes, FIFO across events in different slots', {
  skip: !hasRedisCli,
}, async (t) => {
  const url = await startCluster(t)
  const app = await build(t, { ...env, REDIS_URL: url })
  for (let e = 0; e < 3; e++) {
    const eventId = await createQueuedEvent(app, { admissionRatePerSec: 5 })
    const guests = await joinGuests(app, eventId, 15)
    const order = await admitAll(app, eventId, guests)
    assert.deepEqual(
      order,
      guests.map((_, i) => i),
    )
  }
})
