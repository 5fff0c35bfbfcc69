import { SaleLedger } from './checkout.flow.ts'
import {
  countInversions,
  evaluate,
  frontierRegressions,
  type JoinRecord,
  measureAdmissionRate,
} from './correctness.checks.ts'
import { arrive, createEvent, type RunContext, type RunResults, sampleFrontier } from './load.run.ts'

export interface RushOptions {
  users: number
  arrivalSeconds: number
  capacity: number
  rate: number
  maxActive: number
  /** Share of admitted users who walk away without buying. */
  abandon: number
  declineRatio: number
  retryRatio: number
  /** After the first sold-out answer, keep going this long, then end the run. */
  lingerSeconds: number
  /** End at sold out (plus linger), or only once every user has been admitted. */
  until: 'sold-out' | 'all'
  rateTolerance: number
  verifyBuyers: number
  holdTtlSeconds: number
  admin: { email: string; password: string }
}

/** Bounds a single user's polling whatever pollAfterMs says. */
const maxPollsPerUser = 10_000

/**
 * The ticket rush: N users arrive over T seconds, take a guest identity, join the line, poll at
 * the server's pace, enter when called, hold, order and pay; some walk away. Waiting users hold
 * no socket, only a timer, so 300,000 of them fit in one process.
 */
export async function runRush(run: RunContext, options: RushOptions): Promise<RunResults> {
  const { client } = run
  const event = await createEvent(client, options.admin, {
    name: `Load lab rush ${run.startedAt.toISOString()}`,
    salesOpenAt: new Date(Date.now() - 1000).toISOString(),
    capacity: options.capacity,
    priceCents: 5000,
    currency: 'EUR',
    perUserLimit: 1,
    queue: { enabled: true, admissionRatePerSec: options.rate, maxActive: options.maxActive },
  })
  const eventId = event.id
  const joins: JoinRecord[] = []
  const ledger = new SaleLedger()
  let soldOutAt: number | null = null
  let lastJoinAt = 0
  let done = 0
  // Users whose join has been answered (or failed): the run never ends before all have joined.
  let joinsSettled = 0

  const user = async (): Promise<void> => {
    const guest = await client.send('guest', { method: 'POST', path: '/api/v1/auth/guest' })
    if (guest.status !== 201) {
      joinsSettled++
      return run.count(run.running ? 'guest failed' : 'cut at the end')
    }
    const auth = { authorization: `Bearer ${guest.body.accessToken}` }
    const sentAt = run.now()
    const join = await client.send('join', {
      method: 'POST',
      path: `/api/v1/events/${eventId}/queue/join`,
      headers: auth,
    })
    joinsSettled++
    if (join.status !== 201 && join.status !== 200)
      return run.count(run.running ? 'join failed' : 'cut at the end')
    const answeredAt = run.now()
    lastJoinAt = Math.max(lastJoinAt, answeredAt)
    joins.push({ number: join.body.number, sentAt, answeredAt })
    run.count('joined')
    const ticket: string = join.body.ticket
    let state: string = join.body.state
    let pollAfter: number = join.body.pollAfterMs
    for (let polls = 0; state === 'waiting' && polls < maxPollsPerUser; polls++) {
      if (!(await run.wait(pollAfter))) return
      const status = await client.send('status', {
        method: 'GET',
        path: `/api/v1/events/${eventId}/queue/status`,
        headers: { 'x-queue-ticket': ticket },
      })
      if (status.status !== 200) {
        pollAfter = 1000
        continue
      }
      state = status.body.state
      pollAfter = status.body.pollAfterMs
    }
    if (state !== 'admitted') return run.count(`left while ${state}`)
    run.count('admitted seen')
    let token: string | null = null
    // The frontier this process answered from may lag the leader by a refresh: retry a few times.
    for (let attempt = 0; attempt < 5 && token === null && run.running; attempt++) {
      const enter = await client.send('enter', {
        method: 'POST',
        path: `/api/v1/events/${eventId}/queue/enter`,
        headers: { ...auth, 'x-queue-ticket': ticket },
        expect: [409],
      })
      if (enter.status === 200) token = enter.body.admissionToken
      else if (!(await run.wait(1000))) return
    }
    if (token === null) return run.count(run.running ? 'enter failed' : 'left at the end')
    run.count('entered')
    if (Math.random() < options.abandon) return run.count('abandoned')
    const outcome = await ledger.checkout(run, eventId, { ...auth, 'x-admission-token': token }, options)
    run.count(outcome === 'failed' && !run.running ? 'cut at the end' : outcome)
    if (outcome === 'sold-out' && soldOutAt === null) soldOutAt = run.now()
  }

  run.startTicking()
  const sampler = sampleFrontier(run, eventId, 250)
  const watcher = (async () => {
    // Ends the run once the sale is over: at sold out plus the linger time, or when all are done.
    for (let i = 0; run.running && i < 100_000_000; i++) {
      if (done >= options.users) break
      const allJoined = joinsSettled >= options.users
      if (
        options.until === 'sold-out' &&
        allJoined &&
        soldOutAt !== null &&
        run.now() - Math.max(soldOutAt, lastJoinAt) >= options.lingerSeconds
      )
        break
      if (!(await run.wait(100))) break
    }
    run.stop()
  })()
  const flows = await arrive(run, options.users, options.arrivalSeconds, () =>
    user().finally(() => {
      done++
    }),
  )
  await Promise.all(flows)
  run.stop()
  await Promise.all([sampler, watcher])
  run.stopTicking()
  run.count('last join answered at s', Math.round(lastJoinAt * 10) / 10)

  const sale = await ledger.verify(run, eventId, options.verifyBuyers)
  const steps = [...client.steps.values()]
  const checks = evaluate({
    capacity: options.capacity,
    ...sale,
    inversions: countInversions(joins),
    regressions: frontierRegressions(run.frontier),
    rateSetting: options.rate,
    measuredRate: measureAdmissionRate(run.frontier, options.rate, 5),
    rateTolerance: options.rateTolerance,
    serverErrors: steps.reduce((sum, s) => sum + s.serverErrors, 0),
    networkErrors: steps.reduce((sum, s) => sum + s.networkErrors, 0),
    holdsMayHaveExpired: run.now() > options.holdTtlSeconds * 0.9,
  })
  run.count('holds granted', ledger.holdsGranted)
  run.count('paid orders', ledger.paidOrders)
  run.count('sold-out answers', ledger.soldOutAnswers)
  const { admin: _admin, ...shown } = options
  return run.results('rush', shown, eventId, checks)
}
