import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isLoopback, LoadClient } from './load.client.ts'
import { RunContext, type RunResults } from './load.run.ts'
import { htmlReport } from './report.html.ts'
import { compareSummary, textSummary } from './report.summary.ts'
import { runRush } from './rush.scenario.ts'
import { parseWeights, runShop } from './shop.scenario.ts'

export const loadHelp = `breakwater load <scenario> [options]     drive a load at a Breakwater server
breakwater load --compare a.json b.json   show two runs side by side

Scenarios:
  rush    N users arrive over T seconds, join the waiting room, poll, enter, hold, order, pay
  shop    visitors at a steady rate browse (GET) or buy one ticket; no waiting room
  soak    the shop at a low rate for a long time (defaults: 2 visitors/s for 600 s)

Target (traffic goes to this machine unless you say otherwise):
  --target URL            server to drive (default http://127.0.0.1:8080)
  --allow-remote          required when --target is not a loopback address
  --serve                 start a throwaway embedded server (a child process) and drive it
  --admin-email E         admin account that creates the run's event (or ADMIN_EMAIL)
  --admin-password P      its password (or ADMIN_PASSWORD)

rush:
  --users N               users who arrive (default 1000)
  --arrival-seconds T     over how long they arrive (default 10)
  --capacity N            tickets on sale (default 100)
  --rate N                admission rate per second (default 100)
  --max-active N          admitted sessions at once (default: users)
  --abandon F             share of admitted users who walk away (default 0.1)
  --until sold-out|all    end at sold out (plus --linger-seconds, default 5) once all have joined,
                          or only once every user has been served
  --rate-tolerance F      admission rate check: within this share of --rate (default 0.02)
  --join-within S         join check: every user who arrived joined, the last within S seconds
                          of the first arrival (default 60)
shop and soak:
  --arrivals-per-second N (default 20; soak 2)    --duration S (default 30; soak 600)
  --weights browse=N,checkout=N (default browse=80,checkout=20)
All:
  --decline-ratio F       orders paid with tok_declined (default 0.05)
  --retry-ratio F         orders resent with the same Idempotency-Key (default 0.1)
  --connections N         sockets for the crowd's joins and polls (default 64); admitted
                          shoppers' enter and hold get half as many, orders a quarter
  --max-seconds S         hard bound on the run (default 900)
  --verify-buyers N       buyers whose order lists are read back at the end (default 2000)
  --out DIR               where results.json and report.html go (default ./load-results/<scenario>-<time>)
  -q, --quiet             no progress line on stderr
  -h, --help              this help

Exit status: 0 when every correctness check passed, 1 when one failed, 2 on bad usage.`

const options = {
  help: { type: 'boolean', short: 'h' },
  target: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  serve: { type: 'boolean' },
  'admin-email': { type: 'string' },
  'admin-password': { type: 'string' },
  users: { type: 'string' },
  'arrival-seconds': { type: 'string' },
  capacity: { type: 'string' },
  rate: { type: 'string' },
  'max-active': { type: 'string' },
  abandon: { type: 'string' },
  until: { type: 'string' },
  'linger-seconds': { type: 'string' },
  'arrivals-per-second': { type: 'string' },
  duration: { type: 'string' },
  weights: { type: 'string' },
  'decline-ratio': { type: 'string' },
  'retry-ratio': { type: 'string' },
  'rate-tolerance': { type: 'string' },
  'join-within': { type: 'string' },
  'verify-buyers': { type: 'string' },
  connections: { type: 'string' },
  'max-seconds': { type: 'string' },
  out: { type: 'string', short: 'o' },
  compare: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const

export class LoadUsageError extends Error {}

function number(
  value: string | undefined,
  fallback: number,
  name: string,
  min = 0,
  max = 10_000_000,
): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max)
    throw new LoadUsageError(`--${name} must be a number from ${min} to ${max}`)
  return n
}

/** Environment the command may fall back on; passed in so that only config.ts reads process.env. */
export interface LoadEnvironment {
  admin: { email: string; password: string } | null
}

/** `breakwater load …`: returns the exit status. */
export async function loadCommand(argv: string[], environment: LoadEnvironment): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true }>
  >
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true })
  } catch (error) {
    throw new LoadUsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    console.log(loadHelp)
    return 0
  }
  if (values.compare) {
    const [a, b] = positionals
    if (!a || !b || positionals.length !== 2)
      throw new LoadUsageError('--compare needs two results.json files')
    const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunResults
    console.log(compareSummary(read(a), read(b)))
    return 0
  }
  const [scenario, ...extra] = positionals
  if (scenario !== 'rush' && scenario !== 'shop' && scenario !== 'soak')
    throw new LoadUsageError(`choose a scenario: rush, shop or soak${scenario ? ` (not "${scenario}")` : ''}`)
  if (extra.length > 0) throw new LoadUsageError(`unexpected argument "${extra[0]}"`)
  if (values.serve && values.target) throw new LoadUsageError('--serve and --target exclude each other')

  const admin =
    values['admin-email'] && values['admin-password']
      ? { email: values['admin-email'], password: values['admin-password'] }
      : values.serve
        ? { email: 'loadlab@breakwater.test', password: 'load-lab-password-1' }
        : environment.admin
  if (!admin)
    throw new LoadUsageError(
      'the run creates its own event: give --admin-email and --admin-password (or ADMIN_EMAIL, ADMIN_PASSWORD), or use --serve',
    )

  let server: ChildProcess | null = null
  let dataDir: string | null = null
  let target: URL
  if (values.serve) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'bw-load-'))
    const started = await serveChild(admin, dataDir)
    server = started.child
    target = started.url
  } else {
    try {
      target = new URL(values.target ?? 'http://127.0.0.1:8080')
    } catch {
      throw new LoadUsageError(`--target is not a URL: ${values.target}`)
    }
    if (!isLoopback(target) && !values['allow-remote'])
      throw new LoadUsageError(
        `${target.host} is not this machine: add --allow-remote to drive it on purpose`,
      )
  }

  const client = new LoadClient(target, {
    connections: number(values.connections, 64, 'connections', 1, 10_000),
    timeoutMs: 30_000,
  })
  const maxSeconds = number(values['max-seconds'], 900, 'max-seconds', 1, 86_400)
  let run: RunContext | null = null
  const progress = values.quiet ? { write: () => {}, isTTY: false } : process.stderr
  const describe = () => {
    const c = run?.counts ?? {}
    return `joined ${c.joined ?? 0} entered ${c.entered ?? 0} bought ${c.bought ?? 0} sold-out ${c['sold-out'] ?? 0}`
  }
  run = new RunContext(client, maxSeconds, progress, describe)
  const common = {
    declineRatio: number(values['decline-ratio'], 0.05, 'decline-ratio', 0, 1),
    retryRatio: number(values['retry-ratio'], 0.1, 'retry-ratio', 0, 1),
    verifyBuyers: number(values['verify-buyers'], 2000, 'verify-buyers', 0),
    holdTtlSeconds: 600,
    admin,
  }
  let results: RunResults
  try {
    if (scenario === 'rush') {
      const users = number(values.users, 1000, 'users', 1)
      const until = values.until ?? 'sold-out'
      if (until !== 'sold-out' && until !== 'all') throw new LoadUsageError('--until is sold-out or all')
      results = await runRush(run, {
        ...common,
        users,
        arrivalSeconds: number(values['arrival-seconds'], 10, 'arrival-seconds', 0, 3600),
        capacity: number(values.capacity, 100, 'capacity', 1),
        rate: number(values.rate, 100, 'rate', 1, 100_000),
        maxActive: number(values['max-active'], users, 'max-active', 1),
        abandon: number(values.abandon, 0.1, 'abandon', 0, 1),
        until,
        lingerSeconds: number(values['linger-seconds'], 5, 'linger-seconds', 0, 3600),
        rateTolerance: number(values['rate-tolerance'], 0.02, 'rate-tolerance', 0, 1),
        joinWithinSeconds: number(values['join-within'], 60, 'join-within', 0, 86_400),
      })
    } else {
      const soak = scenario === 'soak'
      results = await runShop(run, scenario, {
        ...common,
        arrivalsPerSecond: number(
          values['arrivals-per-second'],
          soak ? 2 : 20,
          'arrivals-per-second',
          0.01,
          100_000,
        ),
        durationSeconds: number(values.duration, soak ? 600 : 30, 'duration', 1, 86_400),
        capacity: number(values.capacity, 1_000_000, 'capacity', 1),
        weights: parseWeights(values.weights ?? 'browse=80,checkout=20'),
      })
    }
  } finally {
    run.stop()
    await client.close()
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve))
      server.kill('SIGTERM')
      await exited
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }

  const out =
    values.out ?? path.join('load-results', `${scenario}-${results.startedAt.replace(/[:.]/g, '-')}`)
  mkdirSync(out, { recursive: true })
  writeFileSync(path.join(out, 'results.json'), `${JSON.stringify(results)}\n`)
  writeFileSync(path.join(out, 'report.html'), htmlReport(results))
  console.log(textSummary(results))
  console.log(`\nresults: ${path.join(out, 'results.json')}\nreport:  ${path.join(out, 'report.html')}`)
  return results.passed ? 0 : 1
}

const mainFile = fileURLToPath(new URL('../../main.ts', import.meta.url))
const preload = fileURLToPath(new URL('../../telemetry.preload.ts', import.meta.url))

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** `--serve`: a throwaway embedded server in a child process, so it does not share our event loop. */
async function serveChild(
  admin: { email: string; password: string },
  dataDir: string,
): Promise<{ child: ChildProcess; url: URL }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, mainFile, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // The driver is this server's only client: each simulated user's X-Forwarded-For is believed.
      TRUST_PROXY: 'loopback',
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const url = new URL(`http://127.0.0.1:${port}`)
  for (let attempt = 0; attempt < 600; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited early (${child.exitCode})`)
    try {
      if ((await fetch(new URL('/healthz', url))).ok) return { child, url }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  throw new Error('the server did not answer within 60 s')
}
