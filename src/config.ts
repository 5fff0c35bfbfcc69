import { isIP } from 'node:net'
import path from 'node:path'
import { type Static, Type } from 'typebox'
import Value from 'typebox/value'
import { passwordProblem } from './modules/accounts/password.policy.ts'
import {
  type InspectionConfig,
  inspectionModes,
  type Paranoia,
} from './platform/security/inspection/request.inspector.ts'
import type { MetricsExposure } from './platform/security/metrics.access.ts'
import type { Rate } from './platform/security/rate.limiter.ts'
import type { ClassLimits, RateLimits } from './platform/security/rate.limits.ts'

/** The process's configuration, read from the environment once; nothing else reads `process.env`. */

export const roles = ['all', 'gateway', 'api', 'worker'] as const
export type Role = (typeof roles)[number]

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  MIGRATE_ON_START: Type.Enum(['true', 'false'], { default: 'false' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  ROLE: Type.Enum(roles, { default: 'all' }),
  WORKERS: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  ADMIN_EMAIL: Type.Optional(Type.String({ format: 'email' })),
  // Checked by the password policy below, as any new password is.
  ADMIN_PASSWORD: Type.Optional(Type.String()),
  TOKEN_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 12 * 3600 }),
  LOG_LEVEL: Type.Enum(logLevels, { default: 'info' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  START_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 120_000 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 64 * 1024 }),
  LAB_MODE: Type.Enum(['true', 'false'], { default: 'false' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  OTEL_SERVICE_NAME: Type.String({ minLength: 1, default: 'breakwater' }),
  HOLD_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 600 }),
  HOLD_SWEEP_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 1000 }),
  IDEMPOTENCY_KEY_TTL_SECONDS: Type.Integer({ minimum: 60, default: 24 * 3600 }),
  PAYMENT_LATE_SUCCESS_DELAY_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 2000 }),
  NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://' })),
  LAB_DISABLE_GUARDS: Type.Optional(
    Type.String({ pattern: '^(inventory|idempotency|audit)(,(inventory|idempotency|audit))*$' }),
  ),
  QUEUE_TICK_MS: Type.Integer({ minimum: 0, default: 200 }),
  QUEUE_REFRESH_MS: Type.Integer({ minimum: 0, default: 250 }),
  // The longest pollAfterMs is half of it (at most 60 s, plus 20 % jitter), so a patient poller
  // is never skipped.
  QUEUE_GRACE_MS: Type.Integer({ minimum: 1000, default: 150_000 }),
  QUEUE_TICKET_TTL_SECONDS: Type.Integer({ minimum: 60, default: 24 * 3600 }),
  ADMISSION_TTL_SECONDS: Type.Integer({ minimum: 10, default: 600 }),
  // Comma-separated addresses, CIDRs or `loopback`, `linklocal`, `uniquelocal`.
  TRUST_PROXY: Type.String({ default: '', pattern: '^[0-9A-Za-z.:/,_ -]*$' }),
  // Per client address (a /64 for IPv6), then per signed-in account; 0 turns a limit off. The
  // address figures are sized for a carrier NAT's crowd on one address (README, Security).
  RATE_LIMIT_LOGIN_PER_MINUTE: Type.Integer({ minimum: 0, default: 60 }),
  RATE_LIMIT_GUEST_PER_MINUTE: Type.Integer({ minimum: 0, default: 1200 }),
  RATE_LIMIT_JOIN_PER_MINUTE: Type.Integer({ minimum: 0, default: 1200 }),
  RATE_LIMIT_JOIN_ACCOUNT_PER_MINUTE: Type.Integer({ minimum: 0, default: 10 }),
  RATE_LIMIT_ENTER_PER_MINUTE: Type.Integer({ minimum: 0, default: 1200 }),
  RATE_LIMIT_ENTER_ACCOUNT_PER_MINUTE: Type.Integer({ minimum: 0, default: 20 }),
  RATE_LIMIT_HOLDS_PER_MINUTE: Type.Integer({ minimum: 0, default: 1200 }),
  RATE_LIMIT_HOLDS_ACCOUNT_PER_MINUTE: Type.Integer({ minimum: 0, default: 30 }),
  RATE_LIMIT_ORDERS_PER_MINUTE: Type.Integer({ minimum: 0, default: 600 }),
  RATE_LIMIT_ORDERS_ACCOUNT_PER_MINUTE: Type.Integer({ minimum: 0, default: 20 }),
  RATE_LIMIT_LISTINGS_PER_MINUTE: Type.Integer({ minimum: 0, default: 1200 }),
  RATE_LIMIT_LISTINGS_ACCOUNT_PER_MINUTE: Type.Integer({ minimum: 0, default: 60 }),
  RATE_LIMIT_CHAT_PER_MINUTE: Type.Integer({ minimum: 0, default: 1200 }),
  RATE_LIMIT_CHAT_ACCOUNT_PER_MINUTE: Type.Integer({ minimum: 0, default: 30 }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  METRICS_HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  // A bearer token as RFC 6750 spells one, so Prometheus's `authorization` can send it as it is.
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 32, pattern: '^[A-Za-z0-9._~+/-]+=*$' })),
  DOCS_ENABLED: Type.Enum(['true', 'false'], { default: 'false' }),
  INSPECTION_MODE: Type.Enum(inspectionModes, { default: 'block' }),
  INSPECTION_PARANOIA: Type.Integer({ minimum: 1, maximum: 4, default: 1 }),
  SECURITY_LOG_DIR: Type.Optional(Type.String({ minLength: 1 })),
})
type Env = Static<typeof EnvSchema>

/** Every setting the process reads, with its default when it has one (the README lists them all). */
export const settings: ReadonlyMap<string, unknown> = new Map(
  Object.entries(EnvSchema.properties).map(([key, schema]) => [
    key,
    (schema as { default?: unknown }).default,
  ]),
)

export interface RedisConfig {
  /** `host:port` of each node given; more than one means a Redis Cluster. */
  nodes: { host: string; port: number }[]
  username?: string
  password?: string
  tls: boolean
  /** Prefix for every key, so tests and tenants can share one server. */
  keyPrefix: string
}

export interface Config {
  port: number
  host: string
  role: Role
  /** Processes serving this port (node:cluster); more than one needs Redis and PostgreSQL. */
  workers: number
  /** Where embedded state is kept; null (`DATA_DIR=:memory:`) keeps nothing across restarts. */
  dataDir: string | null
  /** Absent: an embedded PGlite database under `dataDir`. */
  databaseUrl: string | null
  /** Apply pending PostgreSQL migrations at start instead of refusing to start (PGlite always does). */
  migrateOnStart: boolean
  /** Connections each process keeps to PostgreSQL at most. */
  databasePoolSize: number
  /** Absent: queue state, rate limits and leases live in this process. */
  redis: RedisConfig | null
  admin: { email: string; password: string } | null
  /** Absent only when embedded: then it is generated once and kept in `dataDir`. */
  tokenSecret: string | null
  accessTokenTtlSeconds: number
  logLevel: (typeof logLevels)[number]
  shutdownTimeoutMs: number
  /** Longest any one start-up step (opening the database, migrating, connecting) may take. */
  startTimeoutMs: number
  bodyLimitBytes: number
  labMode: boolean
  /** Guards switched off to watch the failure happen; only ever non-empty with LAB_MODE=true. */
  disabledGuards: ReadonlySet<LabGuard>
  /** Peers whose `X-Forwarded-For` is believed; none by default. */
  trustedProxies: string[]
  /** By route class, per client address and per account; 0 in the environment leaves a limit off. */
  rateLimits: RateLimits
  /** Who may read `GET /metrics`, and where (see `metrics.access.ts`). */
  metrics: MetricsExposure
  /** Serve `/docs` and `/openapi.json`; off unless asked for. */
  docsEnabled: boolean
  /** Request inspection (WAF-lite): block, detect only, or off; and CRS's paranoia level. */
  inspection: InspectionConfig
  /** Where the security log writes its day files; null keeps the newest entries in memory only. */
  securityLogDir: string | null
  /** OTLP/HTTP collector for traces; absent means tracing is off. */
  otlpEndpoint: string | null
  serviceName: string
  /** The waiting room's timing; tick and refresh 0 mean tests drive them. */
  waitingRoom: {
    tickMs: number
    refreshMs: number
    graceMs: number
    ticketTtlSeconds: number
    admissionTtlSeconds: number
  }
  sales: SalesConfig
  /** Absent: the outbox relay delivers order events in process only. */
  natsUrl: string | null
}

export const labGuards = ['inventory', 'idempotency', 'audit'] as const
export type LabGuard = (typeof labGuards)[number]

export interface SalesConfig {
  holdTtlSeconds: number
  holdSweepIntervalMs: number
  /** How long a key is remembered (published in the API docs); an older key may be used afresh. */
  idempotencyKeyTtlSeconds: number
  /** How long the payment simulator waits before a `tok_late_success` webhook. */
  paymentLateSuccessDelayMs: number
  /** Guards switched off to watch the failure happen; only ever non-empty with LAB_MODE=true. */
  disabledGuards: ReadonlySet<LabGuard>
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Reads and validates the environment, failing with every bad key at once. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, string> = {}
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = source[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const env = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw)) as Env
  const problems = new Map<string, string>()
  for (const error of Value.Errors(EnvSchema, env)) {
    const key = error.instancePath.replace(/^\//, '')
    if (!problems.has(key))
      problems.set(key, `${key}=${shown(key, raw[key])}: ${describe(key, error.message)}`)
  }
  let redis: RedisConfig | null = null
  if (env.REDIS_URL && !problems.has('REDIS_URL')) {
    try {
      redis = parseRedisUrl(env.REDIS_URL)
    } catch (error) {
      problems.set('REDIS_URL', `REDIS_URL: ${(error as Error).message}`)
    }
  }
  if (env.DATABASE_URL && !env.TOKEN_SECRET && !problems.has('TOKEN_SECRET')) {
    problems.set('TOKEN_SECRET', 'TOKEN_SECRET: required when DATABASE_URL is set (32 characters or more)')
  }
  // Workers are replicas on one port: what replicas share must live outside each of them.
  if (env.WORKERS > 1 && !problems.has('WORKERS')) {
    const missing = [
      !env.REDIS_URL && 'REDIS_URL (the line and its frontier are shared)',
      !env.DATABASE_URL && 'DATABASE_URL (the embedded PGlite belongs to one process)',
    ].filter(Boolean)
    if (missing.length > 0) problems.set('WORKERS', `WORKERS=${env.WORKERS}: needs ${missing.join(' and ')}`)
  }
  if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
    const missing = env.ADMIN_EMAIL ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL'
    if (!problems.has(missing))
      problems.set(missing, `${missing}: required together with the other admin key`)
  }
  const adminPasswordProblem =
    env.ADMIN_PASSWORD && passwordProblem(env.ADMIN_PASSWORD, { email: env.ADMIN_EMAIL })
  if (adminPasswordProblem && !problems.has('ADMIN_PASSWORD'))
    problems.set(
      'ADMIN_PASSWORD',
      `ADMIN_PASSWORD=${shown('ADMIN_PASSWORD', env.ADMIN_PASSWORD)}: ${adminPasswordProblem}`,
    )
  if (env.LAB_DISABLE_GUARDS && env.LAB_MODE !== 'true' && !problems.has('LAB_DISABLE_GUARDS')) {
    problems.set('LAB_DISABLE_GUARDS', 'LAB_DISABLE_GUARDS: only allowed with LAB_MODE=true')
  }
  for (const entry of env.TRUST_PROXY.split(',').map((e) => e.trim())) {
    if (entry !== '' && !isProxyAddress(entry) && !problems.has('TRUST_PROXY'))
      problems.set(
        'TRUST_PROXY',
        `TRUST_PROXY: "${entry}" is not an address, a CIDR or loopback/linklocal/uniquelocal`,
      )
  }
  if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT && !problems.has('METRICS_PORT'))
    problems.set(
      'METRICS_PORT',
      `METRICS_PORT=${env.METRICS_PORT}: must differ from PORT (0 serves metrics on PORT)`,
    )
  if (problems.size > 0) throw new ConfigError([...problems.values()])
  const disabledGuards: ReadonlySet<LabGuard> = new Set(
    env.LAB_MODE === 'true' && env.LAB_DISABLE_GUARDS
      ? (env.LAB_DISABLE_GUARDS.split(',') as LabGuard[])
      : [],
  )

  return {
    port: env.PORT,
    host: env.HOST,
    role: env.ROLE,
    workers: env.WORKERS,
    dataDir: env.DATA_DIR === ':memory:' ? null : path.resolve(env.DATA_DIR),
    databaseUrl: env.DATABASE_URL ?? null,
    migrateOnStart: env.MIGRATE_ON_START === 'true',
    databasePoolSize: env.DATABASE_POOL_SIZE,
    redis,
    admin:
      env.ADMIN_EMAIL && env.ADMIN_PASSWORD ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } : null,
    tokenSecret: env.TOKEN_SECRET ?? null,
    accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
    logLevel: env.LOG_LEVEL,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    startTimeoutMs: env.START_TIMEOUT_MS,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    labMode: env.LAB_MODE === 'true',
    disabledGuards,
    trustedProxies: env.TRUST_PROXY.split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
    rateLimits: {
      // Sign-ins and registrations: each one costs a password hash.
      auth: { address: perMinute(env.RATE_LIMIT_LOGIN_PER_MINUTE) },
      guest: { address: perMinute(env.RATE_LIMIT_GUEST_PER_MINUTE) },
      join: limits(env.RATE_LIMIT_JOIN_PER_MINUTE, env.RATE_LIMIT_JOIN_ACCOUNT_PER_MINUTE),
      enter: limits(env.RATE_LIMIT_ENTER_PER_MINUTE, env.RATE_LIMIT_ENTER_ACCOUNT_PER_MINUTE),
      holds: limits(env.RATE_LIMIT_HOLDS_PER_MINUTE, env.RATE_LIMIT_HOLDS_ACCOUNT_PER_MINUTE),
      orders: limits(env.RATE_LIMIT_ORDERS_PER_MINUTE, env.RATE_LIMIT_ORDERS_ACCOUNT_PER_MINUTE),
      listings: limits(env.RATE_LIMIT_LISTINGS_PER_MINUTE, env.RATE_LIMIT_LISTINGS_ACCOUNT_PER_MINUTE),
      chat: limits(env.RATE_LIMIT_CHAT_PER_MINUTE, env.RATE_LIMIT_CHAT_ACCOUNT_PER_MINUTE),
    },
    metrics: {
      port: env.METRICS_PORT === 0 ? null : env.METRICS_PORT,
      host: env.METRICS_HOST,
      token: env.METRICS_TOKEN ?? null,
    },
    docsEnabled: env.DOCS_ENABLED === 'true',
    inspection: { mode: env.INSPECTION_MODE, paranoia: env.INSPECTION_PARANOIA as Paranoia },
    securityLogDir: env.SECURITY_LOG_DIR
      ? path.resolve(env.SECURITY_LOG_DIR)
      : env.DATA_DIR === ':memory:'
        ? null
        : path.resolve(env.DATA_DIR, 'security'),
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
    serviceName: env.OTEL_SERVICE_NAME,
    natsUrl: env.NATS_URL ?? null,
    sales: {
      holdTtlSeconds: env.HOLD_TTL_SECONDS,
      holdSweepIntervalMs: env.HOLD_SWEEP_INTERVAL_MS,
      idempotencyKeyTtlSeconds: env.IDEMPOTENCY_KEY_TTL_SECONDS,
      paymentLateSuccessDelayMs: env.PAYMENT_LATE_SUCCESS_DELAY_MS,
      disabledGuards,
    },
    waitingRoom: {
      tickMs: env.QUEUE_TICK_MS,
      refreshMs: env.QUEUE_REFRESH_MS,
      graceMs: env.QUEUE_GRACE_MS,
      ticketTtlSeconds: env.QUEUE_TICKET_TTL_SECONDS,
      admissionTtlSeconds: env.ADMISSION_TTL_SECONDS,
    },
  }
}

function isProxyAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true
  const [address = '', bits, extra] = entry.split('/')
  if (extra !== undefined || isIP(address) === 0) return false
  if (bits === undefined) return true
  const prefix = Number(bits)
  return /^\d+$/.test(bits) && prefix <= (isIP(address) === 4 ? 32 : 128)
}

/**
 * A limit of `count` a minute, of which a quarter may come at once: in any minute a client gets at
 * most 1.25 × `count`, where a whole minute's burst would let it have twice that across an edge.
 * 0 is no limit.
 */
function perMinute(count: number): Rate | undefined {
  return count === 0 ? undefined : { perMinute: count, burst: Math.max(1, Math.ceil(count / 4)) }
}

function limits(perAddress: number, perAccount: number): ClassLimits {
  return { address: perMinute(perAddress), account: perMinute(perAccount) }
}

const secretKeys = new Set(['ADMIN_PASSWORD', 'TOKEN_SECRET', 'METRICS_TOKEN'])
const urlKeys = new Set(['DATABASE_URL', 'REDIS_URL', 'NATS_URL', 'OTEL_EXPORTER_OTLP_ENDPOINT'])

/** A value as a problem may print it: a secret never, a URL without its password, on one line. */
function shown(key: string, value: string | undefined): string {
  if (value === undefined) return 'unset'
  if (secretKeys.has(key)) return `(${value.length} characters, not shown)`
  return JSON.stringify(urlKeys.has(key) ? maskUrl(value) : value)
}

function describe(key: string, message: string): string {
  const schema = EnvSchema.properties[key as keyof Env] as { enum?: readonly string[] } | undefined
  if (schema?.enum) return `must be one of ${schema.enum.join(', ')}`
  return message
}

/** A connection URL fit to print: its password, in the user part or the query, becomes `***`. */
export function maskUrl(value: string): string {
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:).*@/i, '$1***@')
    .replace(/([?&](?:password|pass|pwd)=)[^&]*/gi, '$1***')
}

/**
 * `redis://[user:pass@]host:port[,host:port…][/db]`: one node is a plain server, several are the
 * seed nodes of a Redis Cluster. A `?prefix=` query sets the key prefix.
 */
export function parseRedisUrl(value: string): RedisConfig {
  const match = /^(rediss?):\/\/(?:([^@/]*)@)?([^/?]+)(\/[^?]*)?(?:\?(.*))?$/.exec(value)
  if (!match) throw new Error('expected redis://[user:password@]host:port[,host:port…]')
  const [, scheme, auth, hosts = '', , query] = match
  const nodes = hosts.split(',').map((node) => {
    const hostMatch = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(node)
    if (!hostMatch) throw new Error(`bad node "${node}"`)
    const port = Number(hostMatch[2] ?? 6379)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad port in "${node}"`)
    return { host: (hostMatch[1] ?? '').replace(/^\[|\]$/g, ''), port }
  })
  const [username, password] = auth ? auth.split(':').map(decodeURIComponent) : []
  const prefix = new URLSearchParams(query ?? '').get('prefix') ?? ''
  return {
    nodes,
    username: username || undefined,
    password: password || undefined,
    tls: scheme === 'rediss',
    keyPrefix: prefix,
  }
}
