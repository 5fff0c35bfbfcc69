import assert from 'node:assert/strict'
import { mkdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { chromium } from 'playwright-core'
import { LoadClient } from '../../src/lab/load/load.client.ts'
import { RunContext } from '../../src/lab/load/load.run.ts'
import { htmlReport } from '../../src/lab/load/report.html.ts'
import { runRush } from '../../src/lab/load/rush.scenario.ts'
import { startServerProcess } from '../support/server.process.ts'

/** Debian's Chromium; the tier is skipped by the runner when it is missing. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const admin = { email: 'loadlab@breakwater.test', password: 'loadlab-password-1' }

test('the load report renders in Chromium without errors', async (t) => {
  const server = await startServerProcess(t, {
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    TRUST_PROXY: 'loopback',
  })
  const client = new LoadClient(new URL(server.url), { connections: 16, timeoutMs: 30_000 })
  const results = await runRush(new RunContext(client, 60, { write: () => {} }, () => ''), {
    users: 60,
    arrivalSeconds: 1,
    capacity: 20,
    rate: 50,
    maxActive: 60,
    abandon: 0.1,
    declineRatio: 0.1,
    retryRatio: 0.2,
    until: 'sold-out',
    lingerSeconds: 1,
    rateTolerance: 0.02,
    joinWithinSeconds: 60,
    verifyBuyers: 100,
    holdTtlSeconds: 600,
    admin,
  }).finally(() => client.close())

  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] })
  t.after(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console: ${message.text()}`)
  })
  // The report is self-contained: any request it makes is a bug.
  page.on('request', (request) => {
    if (!request.url().startsWith('data:') && request.url() !== 'about:blank')
      problems.push(`request: ${request.url()}`)
  })
  await page.setContent(htmlReport(results), { waitUntil: 'load' })
  assert.deepEqual(problems, [])
  assert.equal(await page.locator('svg').count(), 6)
  assert.match((await page.locator('.verdict').textContent()) ?? '', /Correct/)
  // Every chart drew something: a path with points, not an empty frame.
  assert.ok((await page.locator('svg path').count()) >= 6)
  const dir = path.resolve('test-results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'loadlab-report.png')
  await page.screenshot({ path: file, fullPage: true })
  assert.ok(statSync(file).size > 10_000, 'the screenshot has content')
})
