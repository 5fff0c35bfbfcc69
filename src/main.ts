import cluster from 'node:cluster'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { parseArgs } from 'node:util'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { buildApp, version } from './app.ts'
import { type Config, ConfigError, loadConfig, maskUrl } from './config.ts'
import { LoadUsageError, loadCommand } from './lab/load/load.command.ts'
import { AuditUsageError, auditCommand } from './modules/audit/audit.command.ts'
import { seedDemoEvents } from './modules/events/events.seed.ts'
import { dashboards, grafanaJson } from './ops/dashboards.ts'
import { parseSloSpec, sloRules } from './ops/slo.rules.ts'
import { isDatabaseUnavailable, openDatabase } from './platform/data/database.client.ts'
import { pgliteDir } from './platform/data/database.plugin.ts'
import { superviseWorkers } from './platform/process/cluster.supervisor.ts'
import { checkPortsFree, type Listening, listenRefusal } from './platform/process/listen.refusal.ts'
import { startupBanner } from './platform/process/startup.banner.ts'
import { StartupRefusal } from './platform/process/startup.refusal.ts'
import { stopTelemetry } from './platform/process/telemetry.ts'

/** The `breakwater` command: the process shell around the app. */

const help = `breakwater ${version} — a waiting room and sales engine for flash crowds

Usage: breakwater <command> [options]

Commands:
  serve               run the server (the role comes from ROLE: all, gateway, api, worker;
                      WORKERS=N runs N processes on the port, with Redis and PostgreSQL)
  migrate             apply the database migrations (embedded mode applies them at start,
                      and so does serve with MIGRATE_ON_START=true)
  seed                create the demo events if they are missing
  openapi [--out F]   print the OpenAPI document, or write it to F
  slo [--out F]       print the Prometheus SLO rules generated from deploy/slo/slos.yaml
  dashboards --out D  write the Grafana dashboards into directory D
  load <scenario>     drive a load lab scenario (rush, shop, soak); "breakwater load --help"
  audit verify        check the audit log's hash chain: exit 0 when intact, 3 naming the
                      first broken entry; "breakwater audit --help"

Options:
  -h, --help          show this help
  -v, --version       print the version

Configuration comes from the environment; see README.md for every key.
Embedded defaults: PGlite in DATA_DIR (./data), queue state in process, port 8080.`

async function main(argv: string[]): Promise<number> {
  // The load lab has many options of its own; it parses them itself.
  if (argv[0] === 'load') return loadCommand(argv.slice(1), { admin: loadConfig().admin })
  if (argv[0] === 'audit') return audit(argv.slice(1))
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      out: { type: 'string', short: 'o' },
    },
  })
  if (values.version) {
    console.log(version)
    return 0
  }
  const [command = 'serve', ...extra] = positionals
  if (values.help || command === 'help') {
    console.log(help)
    return 0
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`)
  // The commands that open the data directory write PGlite's files and the token secret there:
  // those are for this user alone (0600, directories 0700), whatever umask the process was given.
  if (['serve', 'migrate', 'seed'].includes(command)) process.umask(0o077)
  switch (command) {
    case 'serve':
      return serve(loadConfig())
    case 'migrate':
      return migrate(loadConfig())
    case 'seed':
      return seed(loadConfig())
    case 'openapi':
      return openapi(values.out)
    case 'slo':
      return slo(values.out)
    case 'dashboards':
      return writeDashboards(values.out)
    default:
      throw new UsageError(`unknown command "${command}"`)
  }
}

class UsageError extends Error {}

async function serve(config: Config): Promise<number> {
  const mainPort: Listening = { port: config.port, host: config.host, portKey: 'PORT', hostKey: 'HOST' }
  const metricsPort: Listening = {
    port: config.metrics.port ?? 0,
    host: config.metrics.host,
    portKey: 'METRICS_PORT',
    hostKey: 'METRICS_HOST',
  }
  // Workers start after their primary has checked the ports and the schema; the ports first, so a
  // second server on a taken port touches no database.
  if (cluster.isPrimary) await checkPortsFree([mainPort, metricsPort])
  if (config.databaseUrl && cluster.isPrimary) await checkSchema(config.databaseUrl, config.migrateOnStart)
  if (config.workers > 1 && cluster.isPrimary) {
    const log = pino({ level: config.logLevel }).child({ primary: process.pid })
    return superviseWorkers({ workers: config.workers, shutdownTimeoutMs: config.shutdownTimeoutMs, log })
  }
  const clusterWorker = cluster.isWorker
  const app = await buildApp({ config, clusterWorker })
  if (clusterWorker) {
    // Ctrl-C reaches the whole process group; the primary turns it into one SIGTERM per worker,
    // and a second signal here would cut the drain short.
    process.on('SIGINT', () => {})
  }
  const skip: 'SIGINT'[] = clusterWorker ? ['SIGINT'] : []
  closeWithGrace({ delay: config.shutdownTimeoutMs, logger: app.log, skip }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down: draining in-flight requests')
    app.health.startDraining()
    await app.close()
    await stopTelemetry()
  })
  await app.ready()
  // A fresh embedded install shows something: the demo events, once, when there are no events.
  if (app.database.kind === 'pglite' && (await app.events.count()) === 0) await seedDemoEvents(app.events)
  for (const [listening, listen] of [
    [mainPort, () => app.listen({ port: config.port, host: config.host })],
    [metricsPort, () => app.listenMetrics()],
  ] as const) {
    try {
      await listen()
    } catch (error) {
      const refusal = listenRefusal((error as NodeJS.ErrnoException).code, listening)
      if (!refusal) throw error
      await app.close()
      throw new StartupRefusal(refusal, { cause: error })
    }
  }
  // One worker speaks for a cluster: they all serve the same port.
  if (process.stdout.isTTY && (cluster.worker?.id ?? 1) === 1) {
    const { port } = app.server.address() as AddressInfo
    const facts = {
      version,
      role: config.role,
      host: config.host,
      port,
      admin: config.admin !== null,
      docs: config.docsEnabled,
    }
    console.log(startupBanner(facts))
  }
  return -1
}

/**
 * A PostgreSQL database behind this version (empty, or missing a migration) refuses the start with
 * the command to run, rather than serving errors about missing tables; with `migrateOnStart` it is
 * migrated first, under the same lock as `breakwater migrate`, so replicas can start together.
 */
async function checkSchema(url: string, migrateOnStart: boolean): Promise<void> {
  const database = await openDatabase({ url, poolSize: 1 })
  try {
    if (migrateOnStart) await database.migrate()
    const pending = await database.pendingMigrations()
    if (pending > 0)
      throw new StartupRefusal(
        `the database is behind this version (${pending} migration${pending === 1 ? '' : 's'} to apply): run "breakwater migrate" (npm run db:migrate), or start with MIGRATE_ON_START=true`,
      )
  } catch (error) {
    if (error instanceof StartupRefusal) throw error
    const reason = isDatabaseUnavailable(error) ? 'cannot reach' : 'cannot check the schema of'
    // The innermost error says what happened (the 503 and the failed query are wrapped around it);
    // an AggregateError, one per address tried, has only a code.
    let cause: unknown = error
    while ((cause as { cause?: unknown }).cause) cause = (cause as { cause: unknown }).cause
    const { message, code } = cause as { message?: string; code?: string }
    const what = message || code || String(cause)
    throw new StartupRefusal(`${reason} the database at ${maskUrl(url)}: ${what}`, { cause: error })
  } finally {
    await database.close()
  }
}

async function migrate(config: Config): Promise<number> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: pgliteDir(config) })
  try {
    await database.migrate()
    console.log(`migrations applied (${database.kind})`)
  } finally {
    await database.close()
  }
  return 0
}

async function audit(argv: string[]): Promise<number> {
  const terminal = process.stderr.isTTY
  let lastProgress = 0
  return auditCommand(argv, {
    open: async () => {
      const config = loadConfig()
      const dataDir = pgliteDir(config)
      // Checking must not leave a new, empty embedded database behind.
      if (!config.databaseUrl && (!dataDir || !existsSync(dataDir))) return null
      process.umask(0o077)
      return openDatabase({ url: config.databaseUrl, dataDir, poolSize: 1 })
    },
    out: (line) => {
      if (terminal && lastProgress > 0) process.stderr.write('\r\x1b[K')
      console.log(line)
    },
    // A terminal sees one line rewritten; a log gets a line every 10 seconds at most.
    progress: (line) => {
      const now = Date.now()
      if (terminal) process.stderr.write(`\r\x1b[K${line}`)
      else if (now - lastProgress >= 10_000) process.stderr.write(`${line}\n`)
      else return
      lastProgress = now
    },
  })
}

async function seed(config: Config): Promise<number> {
  const app = await buildApp({ config, logger: false })
  try {
    await app.ready()
    const { created } = await seedDemoEvents(app.events)
    console.log(created > 0 ? `created ${created} demo events` : 'demo events already exist')
  } finally {
    await app.close()
  }
  return 0
}

async function openapi(out: string | undefined): Promise<number> {
  const app = await buildApp({ config: loadConfig({ DATA_DIR: ':memory:' }), logger: false })
  try {
    await app.ready()
    const document = `${JSON.stringify(app.swagger(), null, 2)}\n`
    if (out) writeFileSync(out, document)
    else process.stdout.write(document)
  } finally {
    await app.close()
  }
  return 0
}

async function slo(out: string | undefined): Promise<number> {
  const spec = parseSloSpec(readFileSync(new URL('../deploy/slo/slos.yaml', import.meta.url), 'utf8'))
  const rules = sloRules(spec)
  if (out) writeFileSync(out, rules)
  else process.stdout.write(rules)
  return 0
}

async function writeDashboards(out: string | undefined): Promise<number> {
  if (!out) throw new UsageError('dashboards needs --out DIRECTORY')
  for (const dashboard of dashboards) {
    writeFileSync(path.join(out, `${dashboard.uid.replace(/^breakwater-/, '')}.json`), grafanaJson(dashboard))
  }
  console.log(`wrote ${dashboards.length} dashboards to ${out}`)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message)
    else if (error instanceof StartupRefusal) console.error(`breakwater: ${error.message}`)
    else if (
      error instanceof UsageError ||
      error instanceof LoadUsageError ||
      error instanceof AuditUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      console.error(`breakwater: ${(error as Error).message}\nRun "breakwater --help" for usage.`)
      process.exit(2)
    } else console.error(error)
    process.exit(1)
  },
)
