/** The two log levels a periodic task writes; a Fastify or pino logger is one. */
export interface TaskLog {
  warn(fields: object, message: string): void
  info(fields: object, message: string): void
}

export interface PeriodicTasksOptions {
  /** While a task keeps failing, one line with the count at most this often (ms). */
  reportEveryMs?: number
  clock?: () => number
}

/** Stops a task: no run starts after it is called, and it resolves once the current run has ended. */
export type StopTask = () => Promise<void>

/**
 * Background work that runs every so often (the admission ticker, the frontier refresh, the hold
 * sweeper, the outbox relay). A run never overlaps the previous one: a tick that finds it still
 * running is skipped. A failing run is not logged once per retry: the first failure of a streak is
 * logged with its error, the following ones are counted, and the count is logged when the task
 * recovers, when it stops, and at most every `reportEveryMs` while the streak lasts. Timers are
 * unref'ed: a task never keeps the process alive; `stopAll` ends every task (call it on close).
 */
export class PeriodicTasks {
  private readonly running = new Set<StopTask>()
  private readonly reportEveryMs: number
  private readonly clock: () => number

  constructor(
    private readonly log: TaskLog,
    options: PeriodicTasksOptions = {},
  ) {
    this.reportEveryMs = options.reportEveryMs ?? 60_000
    this.clock = options.clock ?? Date.now
  }

  start(name: string, intervalMs: number, run: () => Promise<unknown>): StopTask {
    const { log, clock, reportEveryMs } = this
    let current: Promise<void> | null = null
    let stopped = false
    // The failure streak: how many runs in a row failed, and how many since the last line about it.
    let failures = 0
    let unreported = 0
    let reportedAt = 0
    let lastError = ''

    const once = async () => {
      try {
        await run()
        if (failures > 0)
          log.info({ task: name, failures }, `${name} recovered after ${failures} failed runs`)
        failures = 0
        unreported = 0
      } catch (error) {
        failures++
        lastError = error instanceof Error ? error.message : String(error)
        if (failures === 1) {
          log.warn({ task: name, err: error }, `${name} failed; retrying every ${intervalMs} ms`)
          reportedAt = clock()
          unreported = 0
          return
        }
        unreported++
        if (clock() - reportedAt >= reportEveryMs) {
          log.warn(
            { task: name, failures, lastError },
            `${name} still failing: ${failures} failed runs in a row`,
          )
          reportedAt = clock()
          unreported = 0
        }
      }
    }
    const timer = setInterval(() => {
      if (current || stopped) return
      current = once().finally(() => {
        current = null
      })
    }, intervalMs)
    timer.unref()

    const stop: StopTask = async () => {
      stopped = true
      clearInterval(timer)
      this.running.delete(stop)
      await current
      if (unreported > 0) {
        log.warn(
          { task: name, failures, lastError },
          `${name} stopped while failing: ${failures} failed runs in a row`,
        )
        unreported = 0
      }
    }
    this.running.add(stop)
    return stop
  }

  /** Stops every task started here and waits for their runs to end. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((stop) => stop()))
  }
}
