import assert from 'node:assert/strict'
import { test } from 'node:test'
import { PeriodicTasks, type TaskLog } from './periodic.task.ts'

/** A log that keeps its lines. */
function recordingLog() {
  const lines: { level: 'warn' | 'info'; fields: Record<string, unknown>; message: string }[] = []
  const log: TaskLog = {
    warn: (fields, message) =>
      lines.push({ level: 'warn', fields: fields as Record<string, unknown>, message }),
    info: (fields, message) =>
      lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
  }
  return { log, lines }
}

/** A run the test finishes by hand. */
function deferred() {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((done) => {
    resolve = done
  })
  return { promise, resolve }
}

/** Waits for a condition the task brings about; the bound only keeps a broken task from hanging the file. */
async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 5000 && !condition(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  assert.ok(condition(), 'the task never got there')
}

const settle = async (rounds = 20) => {
  for (let round = 0; round < rounds; round++) await new Promise((resolve) => setTimeout(resolve, 1))
}

test('a run is never overlapped by the next one, however slow it is', async (t) => {
  const tasks = new PeriodicTasks(recordingLog().log)
  t.after(() => tasks.stopAll())
  let active = 0
  let mostAtOnce = 0
  let runs = 0
  const slow: ReturnType<typeof deferred>[] = []
  tasks.start('slow', 1, async () => {
    active++
    runs++
    mostAtOnce = Math.max(mostAtOnce, active)
    const run = deferred()
    slow.push(run)
    await run.promise
    active--
  })
  await until(() => runs === 1)
  // Many ticks pass while the first run is still going; none of them starts another.
  await settle()
  assert.equal(runs, 1)
  slow[0]?.resolve()
  await until(() => runs === 2)
  slow[1]?.resolve()
  await until(() => runs === 3)
  slow[2]?.resolve()
  assert.equal(mostAtOnce, 1)
})

test('a failure streak is logged once with its error, then counted, and its count is logged on recovery', async (t) => {
  const { log, lines } = recordingLog()
  const tasks = new PeriodicTasks(log, { clock: () => 0 })
  t.after(() => tasks.stopAll())
  const error = new Error('relation "outbox" does not exist')
  let runs = 0
  tasks.start('outbox relay', 1, async () => {
    runs++
    if (runs <= 5) throw error
  })
  await until(() => runs >= 6)
  const stop = tasks.stopAll()
  await stop

  assert.equal(lines.length, 2, JSON.stringify(lines))
  const [first, recovered] = lines
  assert.equal(first?.level, 'warn')
  assert.equal(first?.fields.err, error)
  assert.equal(first?.fields.task, 'outbox relay')
  assert.match(first?.message ?? '', /outbox relay failed/)
  assert.equal(recovered?.level, 'info')
  assert.equal(recovered?.fields.failures, 5)
  assert.match(recovered?.message ?? '', /recovered after 5 failed runs/)
})

test('a streak that goes on is reported with its count at most once per reporting interval', async (t) => {
  const { log, lines } = recordingLog()
  const clock = { now: 0 }
  const tasks = new PeriodicTasks(log, { reportEveryMs: 60_000, clock: () => clock.now })
  t.after(() => tasks.stopAll())
  let runs = 0
  tasks.start('hold sweep', 1, async () => {
    runs++
    throw new Error(`database away (${runs})`)
  })
  await until(() => runs >= 10)
  // Still within the interval: only the streak's first line so far.
  assert.equal(lines.length, 1)

  clock.now = 60_000
  await until(() => lines.length === 2)
  const seen = runs
  await until(() => runs >= seen + 10)
  clock.now = 119_999
  await until(() => runs >= seen + 20)

  assert.equal(lines.length, 2, JSON.stringify(lines))
  const report = lines[1]
  assert.equal(report?.level, 'warn')
  assert.equal(report?.fields.task, 'hold sweep')
  const failures = report?.fields.failures as number
  assert.ok(failures > 10 && failures <= seen, `counted ${failures} of ${seen} failures`)
  assert.match(String(report?.fields.lastError), /database away/)
  assert.match(report?.message ?? '', new RegExp(`still failing: ${failures} failed runs`))

  // Stopping mid-streak says how many failures were not reported yet.
  const before = runs
  await tasks.stopAll()
  assert.equal(lines.length, 3)
  assert.ok((lines[2]?.fields.failures as number) >= before)
  assert.match(lines[2]?.message ?? '', /stopped while failing/)
})

test('stop waits for the run in progress, and no run starts after it', async () => {
  const tasks = new PeriodicTasks(recordingLog().log)
  let runs = 0
  let finished = 0
  const run = deferred()
  const stop = tasks.start('ticker', 1, async () => {
    runs++
    await run.promise
    finished++
  })
  await until(() => runs === 1)

  let stopped = false
  const stopping = stop().then(() => {
    stopped = true
  })
  await settle()
  assert.equal(stopped, false, 'stop returned while a run was still going')

  run.resolve()
  await stopping
  assert.equal(finished, 1)
  await settle()
  assert.equal(runs, 1)
})

test('a task does not keep the process alive', async (t) => {
  const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length
  const before = timers()
  const tasks = new PeriodicTasks(recordingLog().log)
  t.after(() => tasks.stopAll())
  tasks.start('refresh', 60_000, async () => {})
  assert.equal(timers(), before)
})
