import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse } from 'yaml'
import { dashboards, grafanaJson, metricNames } from '../../src/ops/dashboards.ts'
import { build } from '../support/app.builder.ts'

const dashboardsDir = new URL('../../deploy/grafana/dashboards/', import.meta.url)
const rulesDir = new URL('../../deploy/prometheus/', import.meta.url)

test('the committed dashboards are the ones the code generates (run `npm run dashboards`)', () => {
  const files = readdirSync(dashboardsDir).sort()
  assert.deepEqual(files, dashboards.map((d) => `${d.uid.replace(/^breakwater-/, '')}.json`).sort())
  for (const dashboard of dashboards) {
    const file = `${dashboard.uid.replace(/^breakwater-/, '')}.json`
    assert.equal(readFileSync(new URL(file, dashboardsDir), 'utf8'), grafanaJson(dashboard), file)
  }
})

test('every dashboard query names only metrics the server exposes or the rules record', async (t) => {
  const app = await build(t)
  const exposition = (await app.inject('/metrics')).body
  const exposed = new Set<string>()
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    exposed.add(name as string)
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(`${name}${suffix}`)
  }
  const recorded = new Set<string>()
  for (const file of readdirSync(rulesDir).filter((f) => f.endsWith('.rules.yaml'))) {
    const rules = parse(readFileSync(new URL(file, rulesDir), 'utf8'))
    for (const group of rules.groups)
      for (const rule of group.rules) if (rule.record) recorded.add(rule.record)
  }
  // Prometheus itself makes ALERTS.
  const known = (name: string) => exposed.has(name) || recorded.has(name) || name === 'ALERTS'
  const unknown: string[] = []
  let queries = 0
  for (const dashboard of dashboards) {
    for (const panel of dashboard.panels) {
      for (const query of panel.queries) {
        queries++
        const names = metricNames(query.expr)
        assert.ok(names.length > 0, `${dashboard.uid} / ${panel.title}: no metric in ${query.expr}`)
        for (const name of names) if (!known(name)) unknown.push(`${dashboard.uid} / ${panel.title}: ${name}`)
      }
    }
  }
  assert.ok(queries > 30)
  assert.deepEqual(unknown, [])
})

test('the metric name check itself finds a misspelt metric', () => {
  assert.deepEqual(metricNames('sum by (route) (rate(http_requests_totl{route="/x"}[5m]))'), [
    'http_requests_totl',
  ])
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.99, sum by (le) (rate(a_bucket[1m]))) / on (slo) (1 - slo:objective:ratio)',
    ),
    ['a_bucket', 'slo:objective:ratio'],
  )
})
