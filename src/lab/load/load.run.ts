import { performance } from 'node:perf_hooks'
import type { Check, FrontierSample } from './correctness.checks.ts'
import type { LoadClient } from './load.client.ts'
import type { StepSecond, StepSummary } from './step.stats.ts'
import { type Sleeper, TimerWheel } from './timer.wheel.ts'

/** What a run writes to results.json: enough to redraw the report and compare two runs. */
export interface RunResults {
  scenario: string
  startedAt: string
  target: string
  options: Record<string, unknown>
  durationSeconds: number
  eventId: string | null
  counts: Record<string, number>
  steps: Record<string, StepSummary & { seconds: StepSecond[] }>
  frontier: FrontierSample[]
  checks: Check[]
  passed: boolean
}

/**
 * The clock, bounds and progress of one run. Every loop in a scenario asks `running` before it
 * goes on, so the run ends at its deadline whatever the server does.
 */
export class RunContext {
  readonly started = performance.now()
  readonly startedAt = new Date()
  readonly counts: Record<string, number> = {}
  readonly frontier: FrontierSample[] = []
  private readonly abort = new AbortController()
  private readonly timers = new TimerWheel(() => performance.now())
  private ticker: NodeJS.Timeout | undefined
  private lastProgress = 0

  constructor(
    readonly client: LoadClient,
    readonly deadlineSeconds: number,
    private readonly progress: { write(line: string): void; isTTY?: boolean },
    private readonly describe: () => string,
  ) {}

  /** Seconds since the run started. */
  now(): number {
    return (performance.now() - this.started) / 1000
  }

  get running(): boolean {
    return !this.abort.signal.aborted && this.now() < this.deadlineSeconds
  }

  get signal(): AbortSignal {
    return this.abort.signal
  }

  count(name: string, by = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + by
  }

  /**
   * Wakes `sleeper` after `ms`, or at once when the run stops meanwhile; the sleeper asks
   * `running` when it wakes. False, and no wake, when the run is already over.
   */
  sleep(ms: number, sleeper: Sleeper): boolean {
    const left = (this.deadlineSeconds - this.now()) * 1000
    if (left <= 0 || this.abort.signal.aborted) return false
    this.timers.add(Math.min(ms, left), sleeper)
    return true
  }

  /** Waits, or resolves false at once when the run stops meanwhile. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.sleep(ms, { wake: () => resolve(this.running) })) resolve(false)
    })
  }

  stop(): void {
    if (this.abort.signal.aborted) return
    this.abort.abort()
    this.client.endCrowd()
    this.timers.flush()
  }

  /** Closes each second of the histograms and prints progress: in place on a TTY, else every 5 s. */
  startTicking(): void {
    let second = 0
    this.ticker = setInterval(() => {
      second++
      this.client.tick(Math.round(this.now()))
      // The bound holds even for requests queued in the pool: past the deadline they are cut.
      if (this.now() >= this.deadlineSeconds) this.stop()
      const interval = this.progress.isTTY ? 1 : 5
      if (second - this.lastProgress >= interval) {
        this.lastProgress = second
        const line = `[${second}s] ${this.describe()} in-flight ${this.client.inFlight}`
        this.progress.write(this.progress.isTTY ? `\r\x1b[2K${line}` : `${line}\n`)
      }
    }, 1000)
    this.ticker.unref()
  }

  stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker)
    // The last, partial second still counts.
    this.client.tick(Math.round(this.now() * 10) / 10)
    if (this.progress.isTTY) this.progress.write('\n')
  }

  results(
    scenario: string,
    options: Record<string, unknown>,
    eventId: string | null,
    checks: Check[],
  ): RunResults {
    const steps: RunResults['steps'] = {}
    for (const [name, stats] of this.client.steps)
      steps[name] = { ...stats.summary(), seconds: stats.seconds }
    return {
      scenario,
      startedAt: this.startedAt.toISOString(),
      target: this.client.target.origin,
      options,
      durationSeconds: Math.round(this.now() * 10) / 10,
      eventId,
      counts: { ...this.counts, 'requests cut at the end': this.client.abandonedAtEnd },
      steps,
      frontier: this.frontier,
      checks,
      passed: checks.every((check) => check.ok !== false),
    }
  }
}

/**
 * Launches `total` arrivals spread evenly over `seconds` (open model: arrivals never wait for
 * answers) and resolves with how many were launched before the run stopped. Each arrival is a
 * call, not a promise kept here: a scenario that needs to know when its users are done counts them.
 */
export async function arrive(
  run: RunContext,
  total: number,
  seconds: number,
  start: (index: number) => void,
): Promise<number> {
  const began = run.now()
  let launched = 0
  while (launched < total && run.running) {
    const elapsed = run.now() - began
    const due = seconds <= 0 ? total : Math.min(total, Math.floor((elapsed / seconds) * total) + 1)
    for (; launched < due; launched++) start(launched)
    // Its own 5 ms timer, not the run's timer wheel, whose slots would bunch arrivals more coarsely.
    if (launched < total) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  run.count('arrived', launched)
  return launched
}

/** Samples the public frontier every `everyMs` until the run stops. */
export async function sampleFrontier(run: RunContext, eventId: string, everyMs: number): Promise<void> {
  for (let i = 0; run.running && i < 10_000_000; i++) {
    const response = await run.client.send('frontier', {
      method: 'GET',
      path: `/api/v1/events/${eventId}/queue`,
      lane: 'probe',
    })
    if (response.status === 200) {
      const f = response.body
      run.frontier.push({
        soldOut: f.soldOut === true,
        t: Math.round(run.now() * 1000) / 1000,
        servingNumber: f.servingNumber,
        lastNumber: f.lastNumber,
        waiting: f.waiting,
        active: f.active,
        maxActive: f.maxActive,
      })
    }
    if (!(await run.wait(everyMs))) break
  }
}

/** Logs in as the admin and creates the run's own event; throws with the server's answer otherwise. */
export async function createEvent(
  client: LoadClient,
  admin: { email: string; password: string },
  event: Record<string, unknown>,
): Promise<{ id: string; token: string }> {
  const login = await client.send('admin', {
    method: 'POST',
    path: '/api/v1/auth/login',
    json: admin,
    lane: 'probe',
  })
  if (login.status !== 200)
    throw new Error(`admin login failed (${login.status}): ${JSON.stringify(login.body)}`)
  const token: string = login.body.accessToken
  const created = await client.send('admin', {
    method: 'POST',
    path: '/api/v1/events',
    headers: { authorization: `Bearer ${token}` },
    json: event,
    lane: 'probe',
  })
  if (created.status !== 201)
    throw new Error(`creating the event failed (${created.status}): ${JSON.stringify(created.body)}`)
  return { id: created.body.id, token }
}
