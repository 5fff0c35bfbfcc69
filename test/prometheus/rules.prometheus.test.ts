import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { burnRateAlerts, parseSloSpec, sloRules } from '../../src/ops/slo.rules.ts'

const rulesDir = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url))
const promtool = (args: string[], cwd = rulesDir) => spawnSync('promtool', args, { cwd, encoding: 'utf8' })

test('promtool accepts every rules file', () => {
  const result = promtool(['check', 'rules', 'slo.rules.yaml', 'red.rules.yaml'])
  assert.equal(result.status, 0, result.stdout + result.stderr)
  assert.match(result.stdout, /SUCCESS: 48 rules found/)
})

test('the burn-rate unit tests pass: the right alerts fire at each burn rate, the rest stay silent', () => {
  const result = promtool(['test', 'rules', 'tests/slo.test.yaml'])
  assert.equal(result.status, 0, result.stdout + result.stderr)
})

test('the unit tests catch alerts with the wrong burn rates', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-rules-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(rulesDir, dir, { recursive: true })
  const spec = parseSloSpec(readFileSync(new URL('../../deploy/slo/slos.yaml', import.meta.url), 'utf8'))
  // Pages that need ten times the burn: the 20x test cases must now fail.
  const lenient = burnRateAlerts.map((a) => (a.severity === 'page' ? { ...a, factor: a.factor * 10 } : a))
  writeFileSync(path.join(dir, 'slo.rules.yaml'), sloRules(spec, lenient))
  const result = promtool(['test', 'rules', 'tests/slo.test.yaml'], dir)
  assert.notEqual(result.status, 0)
  assert.match(result.stdout + result.stderr, /FAILED/)
})
