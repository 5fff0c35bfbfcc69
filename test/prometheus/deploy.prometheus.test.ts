import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url))

test('promtool accepts the Prometheus configurations for compose and for a local run', () => {
  for (const file of ['prometheus.yml', 'prometheus.local.yml']) {
    const result = spawnSync('promtool', ['check', 'config', file], {
      cwd: path.join(deploy, 'prometheus'),
      encoding: 'utf8',
    })
    assert.equal(result.status, 0, `${file}: ${result.stdout}${result.stderr}`)
  }
})

test('compose.yaml mounts files that exist and wires the services to each other', () => {
  const compose = parse(readFileSync(path.join(deploy, 'compose.yaml'), 'utf8'))
  for (const [name, service] of Object.entries<{ volumes?: string[] }>(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':')
      if (source?.startsWith('.'))
        assert.ok(existsSync(path.join(deploy, source)), `${name}: ${source} is missing`)
    }
  }
  const breakwater = compose.services.breakwater.environment
  assert.match(breakwater.DATABASE_URL, /@postgres:5432\//)
  assert.match(breakwater.REDIS_URL, /redis:\/\/redis:6379/)
  assert.match(breakwater.OTEL_EXPORTER_OTLP_ENDPOINT, /jaeger:4318/)
  const prometheus = parse(readFileSync(path.join(deploy, 'prometheus/prometheus.yml'), 'utf8'))
  assert.deepEqual(prometheus.scrape_configs[0].static_configs[0].targets, ['breakwater:8080'])
  const datasource = parse(
    readFileSync(path.join(deploy, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8'),
  )
  assert.equal(datasource.datasources[0].url, 'http://prometheus:9090')
})
