import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse } from 'yaml'
import { parseSloSpec, sloRules } from './slo.rules.ts'

const specText = readFileSync(new URL('../../deploy/slo/slos.yaml', import.meta.url), 'utf8')

test('the spec names the platform objectives', () => {
  const spec = parseSloSpec(specText)
  assert.deepEqual(
    spec.slos.map((slo) => [slo.name, slo.objective]),
    [
      ['availability', 0.999],
      ['shop-latency', 0.95],
      ['checkout-success', 0.985],
      ['queue-status-latency', 0.99],
    ],
  )
})

test('each SLO gets page alerts at 14.4× and 6× and ticket alerts at 3× and 1× of its budget', () => {
  const rules = parse(sloRules(parseSloSpec(specText)))
  const availability = rules.groups.find((g: { name: string }) => g.name === 'slo-availability')
  const page = availability.rules.find(
    (r: { labels?: { severity?: string } }) => r.labels?.severity === 'page',
  )
  assert.match(
    page.expr,
    /slo:sli_error:ratio_rate1h\{slo="availability"\} > 0\.0144 and slo:sli_error:ratio_rate5m\{slo="availability"\} > 0\.0144/,
  )
  assert.match(
    page.expr,
    /ratio_rate6h\{slo="availability"\} > 0\.006 and .*ratio_rate30m\{slo="availability"\} > 0\.006/,
  )
  const ticket = availability.rules.find(
    (r: { labels?: { severity?: string } }) => r.labels?.severity === 'ticket',
  )
  assert.match(
    ticket.expr,
    /ratio_rate1d\{slo="availability"\} > 0\.003 and .*ratio_rate2h\{slo="availability"\} > 0\.003/,
  )
  assert.match(
    ticket.expr,
    /ratio_rate3d\{slo="availability"\} > 0\.001 and .*ratio_rate6h\{slo="availability"\} > 0\.001/,
  )
})

test('a bad spec is refused with the reason', () => {
  assert.throws(
    () => parseSloSpec('service: x\nslos:\n  - name: Bad Name\n    objective: 2\n'),
    /invalid SLO spec/,
  )
})

test('the committed rules are the ones the spec generates (run `npm run slo`)', () => {
  const committed = readFileSync(new URL('../../deploy/prometheus/slo.rules.yaml', import.meta.url), 'utf8')
  assert.equal(committed, sloRules(parseSloSpec(specText)))
})
