import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import type { RunResults } from '../../src/lab/load/load.run.ts'
import { openDatabase } from '../../src/platform/data/database.client.ts'
import { createTestDatabase, testTokenSecret } from '../support/postgres.database.ts'
import { startServerProcess } from '../support/server.process.ts'

const admin = { email: 'loadlab@breakwater.test', password: 'loadlab-password-1' }

/** Runs `breakwater load …` as a user would, and reads back the results it wrote. */
async function loadCli(
  args: string[],
): Promise<{ code: number | null; results: RunResults; output: string }> {
  const out = mkdtempSync(path.join(tmpdir(), 'bw-loadlab-'))
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'load', ...args, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as RunResults
    return { code, results, output }
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

async function serverOn(t: Parameters<typeof startServerProcess>[0], env: Record<string, string> = {}) {
  const url = await createTestDatabase(t)
  const database = await openDatabase({ url })
  await database.migrate()
  await database.close()
  return startServerProcess(t, {
    DATABASE_URL: url,
    TOKEN_SECRET: testTokenSecret,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    // The documented lab setting: the driver's simulated addresses are believed.
    TRUST_PROXY: 'loopback',
    ...env,
  })
}

// Everyone is called in the first ticks, so their holds race for the last units.
const rush = ['rush', '--users', '300', '--capacity', '50', '--rate', '1000', '--arrival-seconds', '0.5']
// Without declines every unit ends in a paid order (a declined hold's stock could come back late).
const noDeclines = ['--decline-ratio', '0']
const credentials = ['--admin-email', admin.email, '--admin-password', admin.password, '--quiet']

test('rush on PostgreSQL: the sale is correct and the command exits 0', async (t) => {
  const server = await serverOn(t)
  const { code, results, output } = await loadCli([
    ...rush,
    ...noDeclines,
    '--target',
    server.url,
    ...credentials,
  ])
  assert.equal(code, 0, output)
  assert.equal(results.passed, true)
  assert.equal(results.counts['paid orders'], 50)
})

test('rush against a server that oversells (lab switch): the checks catch it and the command exits 1', async (t) => {
  const server = await serverOn(t, { LAB_MODE: 'true', LAB_DISABLE_GUARDS: 'inventory' })
  const { code, results, output } = await loadCli([
    ...rush,
    '--abandon',
    '0',
    '--target',
    server.url,
    ...credentials,
  ])
  assert.equal(code, 1, output)
  assert.equal(results.passed, false)
  const failed = results.checks.filter((check) => check.ok === false).map((check) => check.name)
  assert.ok(
    failed.includes('sold ≤ capacity') || failed.includes("holds granted ≤ server's stock taken"),
    `expected an overselling check to fail: ${JSON.stringify(results.checks)}`,
  )
})
