import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

// deploy/compose.yaml is read as data, not run: these tests need neither Docker nor the app.
// To watch them fail, put back a literal (`TOKEN_SECRET: change-me-0123…`) or a bare `ports: ['8080:8080']`.

const root = fileURLToPath(new URL('../../', import.meta.url))
const deploy = path.join(root, 'deploy')

interface Service {
  environment?: Record<string, string>
  ports?: (string | { host_ip?: string; published?: string | number })[]
  volumes?: string[]
}
const compose: { services: Record<string, Service> } = parse(
  readFileSync(path.join(deploy, 'compose.yaml'), 'utf8'),
)

/** `${NAME:?message}`, the whole value: compose refuses to start while NAME is unset or empty. */
const required = /^\$\{([A-Z_][A-Z0-9_]*):\?[^}]*\}$/
/** Compose's own `${NAME:-default}` interpolation, resolved to the default. */
const withDefaults = (value: string) => value.replace(/\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}/g, '$1')
const secretKey = /PASSWORD|SECRET|TOKEN|_KEY$/

test('compose.yaml holds no secret: each comes from deploy/.env, required, with no default', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (secretKey.test(key))
        assert.match(String(value), required, `${name}.${key} is a literal or has a default`)
      // A password inside a URL, as in DATABASE_URL.
      const userinfo = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]+:([^@]*)@/i.exec(String(value))
      if (userinfo) assert.match(userinfo[1] ?? '', required, `${name}.${key} carries a literal password`)
    }
  }
})

test('every published port binds to loopback unless deploy/.env says otherwise', () => {
  let published = 0
  for (const [name, service] of Object.entries(compose.services)) {
    for (const port of service.ports ?? []) {
      published++
      const host =
        typeof port === 'string' ? /^(.*):[^:]+:[^:]+$/.exec(withDefaults(port))?.[1] : port.host_ip
      assert.equal(host, '127.0.0.1', `${name}: ${JSON.stringify(port)} is published on every interface`)
    }
  }
  assert.ok(published > 0, 'the shop, Grafana and Prometheus are published')
})

test('deploy/.env.example names every variable compose needs, with no secret filled in, and .env is ignored', () => {
  const text = readFileSync(path.join(deploy, 'compose.yaml'), 'utf8')
  const needed = new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)[:}]/g)].map((match) => match[1] ?? ''))
  const example = new Map(
    readFileSync(path.join(deploy, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
  )
  for (const name of needed) assert.ok(example.has(name), `${name} is missing from deploy/.env.example`)
  for (const [name, value] of example)
    if (secretKey.test(name)) assert.equal(value, '', `${name} has a value`)
  assert.equal(example.get('BIND_ADDRESS'), '127.0.0.1')
  const ignored = readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')
  assert.ok(
    ignored.some((pattern) => ['.env', 'deploy/.env', '/deploy/.env'].includes(pattern.trim())),
    'deploy/.env is not committed',
  )
})

test('compose.yaml mounts files that exist and wires the services to each other', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const volume of service.volumes ?? []) {
      const [source] = volume.split(':')
      if (source?.startsWith('.'))
        assert.ok(existsSync(path.join(deploy, source)), `${name}: ${source} is missing`)
    }
  }
  const breakwater = compose.services.breakwater?.environment ?? {}
  assert.match(breakwater.DATABASE_URL ?? '', /@postgres:5432\//)
  assert.match(breakwater.REDIS_URL ?? '', /redis:\/\/redis:6379/)
  assert.match(breakwater.OTEL_EXPORTER_OTLP_ENDPOINT ?? '', /jaeger:4318/)
  const prometheus = parse(readFileSync(path.join(deploy, 'prometheus/prometheus.yml'), 'utf8'))
  // Metrics have a port of their own, which Prometheus scrapes and compose does not publish.
  assert.match(breakwater.METRICS_PORT ?? '', /^\d+$/)
  assert.deepEqual(prometheus.scrape_configs[0].static_configs[0].targets, [
    `breakwater:${breakwater.METRICS_PORT}`,
  ])
  const published = (compose.services.breakwater?.ports ?? []).map(String)
  assert.ok(
    !published.some((port) => port.endsWith(`:${breakwater.METRICS_PORT}`)),
    'the metrics port is published',
  )
  const datasource = parse(
    readFileSync(path.join(deploy, 'grafana/provisioning/datasources/prometheus.yaml'), 'utf8'),
  )
  assert.equal(datasource.datasources[0].url, 'http://prometheus:9090')
})
