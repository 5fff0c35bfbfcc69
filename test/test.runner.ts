import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { tiers } from './test.tiers.ts'

/**
 * `npm test`: runs every test tier whose services are present and names the tiers it skipped.
 * With CI=true a tier whose service is missing fails the run instead of being skipped.
 */

function testFiles(dir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  } catch {
    return []
  }
  return entries
    .filter((file) => file.endsWith('.test.ts') && !file.includes('node_modules'))
    .map((file) => path.join(dir, file))
    .sort()
}

interface Outcome {
  passed: number
  failed: number
  skipped: number
  exitCode: number
  /** Milliseconds spent in each file's top-level tests. */
  durations: Record<string, number>
}

const durationsReporter = path.resolve('test/support/file.durations.reporter.mjs')

function runTier(files: string[], concurrency: number): Promise<Outcome> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'breakwater-tests-'))
  const durationsFile = path.join(scratch, 'durations.json')
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        // A hang guard, not a timing: the 30,000-attempt rush takes minutes when both cores are busy.
        '--test-timeout=1200000',
        `--test-concurrency=${concurrency}`,
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        `--test-reporter=${durationsReporter}`,
        `--test-reporter-destination=${durationsFile}`,
        ...files,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    )
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk)
      output += chunk.toString()
    })
    child.on('close', (code) => {
      const count = (label: string) => Number(new RegExp(`^ℹ ${label} (\\d+)`, 'm').exec(output)?.[1] ?? 0)
      let durations: Record<string, number> = {}
      try {
        durations = JSON.parse(readFileSync(durationsFile, 'utf8'))
      } catch {
        // A run that died before its reporter finished has no durations; the failure says why.
      }
      rmSync(scratch, { recursive: true, force: true })
      resolve({
        durations,
        passed: count('pass'),
        failed: count('fail') + count('cancelled'),
        skipped: count('skipped'),
        exitCode: code ?? 1,
      })
    })
  })
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { tier: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) {
    console.log(
      `npm test [-- --tier NAME …] [-- FILE …]\n\nTiers:\n${tiers.map((t) => `  ${t.name.padEnd(10)}${t.description}`).join('\n')}`,
    )
    return 0
  }
  const ci = process.env.CI === 'true'
  const chosen = values.tier ?? tiers.map((tier) => tier.name)
  const unknown = chosen.filter((name) => !tiers.some((tier) => tier.name === name))
  if (unknown.length > 0) {
    console.error(`unknown tier: ${unknown.join(', ')}`)
    return 2
  }
  // A test file outside every tier would never run, silently.
  const covered = new Set(tiers.flatMap((tier) => testFiles(tier.dir)))
  const stray = testFiles('test').filter((file) => !covered.has(file))
  if (stray.length > 0) {
    console.error(`test files in no tier (add their folder to test/test.runner.ts):\n  ${stray.join('\n  ')}`)
    return 2
  }
  const total: Outcome = { passed: 0, failed: 0, skipped: 0, exitCode: 0, durations: {} }
  const skippedTiers: string[] = []
  const missingInCi: string[] = []
  for (const tier of tiers.filter((t) => chosen.includes(t.name))) {
    const files =
      positionals.length > 0 ? positionals.filter((f) => f.startsWith(tier.dir)) : testFiles(tier.dir)
    if (files.length === 0) continue
    const reason = tier.missing()
    if (reason) {
      if (ci) missingInCi.push(`${tier.name} (${reason})`)
      else skippedTiers.push(`${tier.name} (${reason})`)
      continue
    }
    console.log(`\n── tier ${tier.name}: ${tier.description} (${files.length} files)`)
    const started = Date.now()
    const outcome = await runTier(files, tier.parallel ? Math.max(2, availableParallelism()) : 1)
    console.log(`── tier ${tier.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`)
    total.passed += outcome.passed
    total.failed += outcome.failed
    total.skipped += outcome.skipped
    Object.assign(total.durations, outcome.durations)
    if (outcome.exitCode !== 0) total.exitCode = outcome.exitCode
    if (outcome.exitCode !== 0 && outcome.failed === 0) total.failed += 1
  }
  console.log('')
  const slowest = Object.entries(total.durations)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 5)
  if (slowest.length > 0) {
    console.log('slowest files:')
    for (const [file, ms] of slowest)
      console.log(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${path.relative(process.cwd(), file)}`)
  }
  for (const tier of skippedTiers) console.log(`skipped tier ${tier}`)
  for (const tier of missingInCi)
    console.log(`FAILED: tier ${tier} cannot run, and CI=true requires every tier`)
  const failed = total.failed + missingInCi.length
  console.log(`total: ${total.passed} passed, ${failed} failed, ${total.skipped} skipped`)
  return failed > 0 || total.exitCode !== 0 ? 1 : 0
}

process.exitCode = await main()
