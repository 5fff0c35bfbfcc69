import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LoadClient } from '../../src/lab/load/load.client.ts'
import { RunContext } from '../../src/lab/load/load.run.ts'
import { htmlReport } from '../../src/lab/load/report.html.ts'
import { compareSummary, textSummary } from '../../src/lab/load/report.summary.ts'
import { runRush } from '../../src/lab/load/rush.scenario.ts'
import { runShop } from '../../src/lab/load/shop.scenario.ts'
import { startServerProcess } from '../support/server.process.ts'

const admin = { email: 'loadlab@breakwater.test', password: 'loadlab-password-1' }
const common = { declineRatio: 0.1, retryRatio: 0.3, verifyBuyers: 1000, holdTtlSeconds: 600, admin }

async function drive<T>(url: string, body: (run: RunContext) => Promise<T>): Promise<T> {
  const client = new LoadClient(new URL(url), { connections: 32, timeoutMs: 30_000 })
  try {
    return await body(new RunContext(client, 120, { write: () => {} }, () => ''))
  } finally {
    await client.close()
  }
}

test('rush at small size against an embedded server: every correctness check passes', async (t) => {
  const server = await startServerProcess(t, {
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    TRUST_PROXY: 'loopback',
  })
  const results = await drive(server.url, (run) =>
    runRush(run, {
      ...common,
      users: 200,
      arrivalSeconds: 2,
      // No declines: a declined hold's stock may come back after the crowd has gone, so the
      // count of paid orders is exact only without them (the shop test below declines some).
      declineRatio: 0,
      capacity: 50,
      rate: 100,
      maxActive: 200,
      abandon: 0.1,
      until: 'sold-out',
      lingerSeconds: 1,
      rateTolerance: 0.02,
      joinWithinSeconds: 60,
    }),
  )
  assert.deepEqual(
    results.checks.filter((check) => check.ok === false),
    [],
  )
  assert.equal(results.passed, true)
  assert.equal(results.counts.joined, 200)
  assert.equal(results.counts['paid orders'], 50)
  assert.ok((results.counts['sold-out'] ?? 0) > 0, 'the rush should run into sold out')
  assert.ok((results.counts['order replays'] ?? 0) > 0, 'some orders should be replayed')
  for (const step of ['join', 'status', 'enter', 'hold', 'order'])
    assert.ok((results.steps[step]?.count ?? 0) > 0, `step ${step} recorded`)

  const html = htmlReport(results)
  assert.match(html, /Correct: every check passed/)
  assert.equal((html.match(/<svg /g) ?? []).length, 6, 'six charts')
  assert.match(textSummary(results), /PASSED/)
  assert.match(compareSummary(results, results), /join p99 ms/)
})

test('shop at small size: browse and checkout mix, the sale adds up', async (t) => {
  const server = await startServerProcess(t, {
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    TRUST_PROXY: 'loopback',
  })
  const results = await drive(server.url, (run) =>
    runShop(run, 'shop', {
      ...common,
      arrivalsPerSecond: 40,
      durationSeconds: 3,
      capacity: 20,
      weights: { browse: 50, checkout: 50 },
    }),
  )
  assert.deepEqual(
    results.checks.filter((check) => check.ok === false),
    [],
  )
  assert.ok((results.counts.browsed ?? 0) > 0)
  assert.ok((results.counts['holds granted'] ?? 0) > 0)
  assert.ok((results.counts['paid orders'] ?? 0) <= 20)
})
