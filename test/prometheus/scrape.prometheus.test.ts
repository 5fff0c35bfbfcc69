import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startPrometheus } from '../support/prometheus.server.ts'
import { freePort } from '../support/redis.server.ts'
import { startServerProcess } from '../support/server.process.ts'

test('a real Prometheus scraping Breakwater computes the RED and SLO recording rules', async (t) => {
  // Metrics on a port of their own behind a token, as a deployment that scrapes from another host
  // would have them: Prometheus's own `authorization` must be what the server accepts.
  const metricsPort = await freePort()
  const token = 'scrape-token-0123456789abcdefghijkl'
  const server = await startServerProcess(t, { METRICS_PORT: String(metricsPort), METRICS_TOKEN: token })
  const prometheus = await startPrometheus(t, `127.0.0.1:${metricsPort}`, { bearer: token })
  const expected = [
    'route_method:http_requests:rate5m{route="/api/v1/events",method="GET"}',
    'route_method:http_requests:rate5m{route="/api/v1/auth/guest",method="POST"}',
    'route:http_request_duration_seconds:p95_5m{route="/api/v1/events"}',
    'service:http_requests:rate5m',
    'slo:sli_error:ratio_rate5m{slo="availability"}',
    'slo:error_budget_remaining:ratio{slo="availability"}',
    'slo:sli_error:ratio_rate5m{slo="shop-latency"}',
  ]
  const missing = new Set(expected)
  // Traffic and queries interleave until every rule has a value, or 60 rounds pass.
  for (let round = 0; round < 60 && missing.size > 0; round++) {
    await Promise.all([
      fetch(`${server.url}/api/v1/events`),
      fetch(`${server.url}/api/v1/auth/guest`, { method: 'POST' }),
      fetch(`${server.url}/api/v1/nowhere`),
    ])
    for (const promql of missing) {
      const result = await prometheus.query(promql)
      if (result.length > 0 && Number.isFinite(Number(result[0]?.value[1]))) missing.delete(promql)
    }
    if (missing.size > 0) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  assert.deepEqual([...missing], [], 'every recording rule has a value')
  const [availability] = await prometheus.query('slo:sli_error:ratio_rate5m{slo="availability"}')
  assert.equal(Number(availability?.value[1]), 0, 'no 5xx was answered, so no error budget was spent')
  const [up] = await prometheus.query('up{job="breakwater"}')
  assert.equal(up?.value[1], '1')
})
