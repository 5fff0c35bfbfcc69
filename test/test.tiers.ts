import { spawnSync } from 'node:child_process'

/** The test tiers `npm test` runs, in order; the README's table of tiers is checked against this list. */

export interface Tier {
  name: string
  description: string
  dir: string
  /** Why the tier cannot run here, or null when it can. */
  missing: () => string | null
  /**
   * Files run at once: tiers whose tests share nothing outside their process (no ports held for
   * long, no shared service) run one file per core; the others one at a time.
   */
  parallel?: boolean
}

const env = (key: string) => () => (process.env[key] ? null : `${key} is not set`)
const binary = (name: string) => () =>
  spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0
    ? null
    : `${name} is not installed`
const all =
  (...checks: (() => string | null)[]) =>
  () =>
    checks.map((check) => check()).find((reason) => reason !== null) ?? null

export const tiers: Tier[] = [
  {
    name: 'small',
    description: 'unit tests next to the code',
    dir: 'src',
    missing: () => null,
    parallel: true,
  },
  {
    name: 'http',
    description: 'the whole app through app.inject on embedded PGlite',
    dir: 'test/http',
    missing: () => null,
    parallel: true,
  },
  { name: 'process', description: 'the server as a child process', dir: 'test/process', missing: () => null },
  {
    name: 'postgres',
    description: 'real PostgreSQL',
    dir: 'test/postgres',
    missing: env('TEST_DATABASE_URL'),
  },
  {
    name: 'redis',
    description: 'real Redis and Redis Cluster',
    dir: 'test/redis',
    missing: all(env('TEST_REDIS_URL'), binary('redis-server')),
  },
  {
    name: 'cluster',
    description: 'WORKERS=N processes on one port, sharing PostgreSQL and Redis',
    dir: 'test/cluster',
    missing: all(env('TEST_DATABASE_URL'), env('TEST_REDIS_URL')),
  },
  {
    name: 'traces',
    description: 'OpenTelemetry spans across HTTP, PostgreSQL and Redis',
    dir: 'test/traces',
    missing: all(env('TEST_DATABASE_URL'), env('TEST_REDIS_URL')),
  },
  {
    name: 'nats',
    description: 'the outbox relay on NATS JetStream',
    dir: 'test/nats',
    missing: env('TEST_NATS_URL'),
  },
  {
    name: 'prometheus',
    description: 'Prometheus rules under promtool, and a real Prometheus scraping the server',
    dir: 'test/prometheus',
    missing: all(binary('promtool'), binary('prometheus')),
  },
  {
    name: 'browser',
    description: 'the web front end and the load report in Chromium, driven by playwright-core',
    dir: 'test/browser',
    missing: binary('chromium'),
  },
]
