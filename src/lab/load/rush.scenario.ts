import { SaleLedger } from './checkout.flow.ts'
import {
  countInversions,
  evaluate,
  frontierRegressions,
  type JoinRecord,
  measureAdmissionRate,
} from './correctness.checks.ts'
import { type LoadClient, type Recipient, simulatedAddress } from './load.client.ts'
import { arrive, createEvent, type RunContext, type RunResults, sampleFrontier } from './load.run.ts'
import type { Sleeper } from './timer.wheel.ts'

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
  /** Every user who arrived should have joined within this many seconds of the first arrival. */
  joinWithinSeconds: number
  verifyBuyers: number
  holdTtlSeconds: number
  admin: { email: string; password: string }
}

/** Bounds a single user's polling whatever pollAfterMs says. */
const maxPollsPerUser = 10_000

/**
 * The ticket rush: N users arrive over T seconds, join the line as new guests, poll at
 * the server's pace, enter when called, hold, order and pay; some walk away. Waiting users hold
 * no socket, only a place in the run's timer wheel, so 300,000 of them fit in one process.
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
    // Proof of work off: the lab measures the line, and its crowd joins far faster than `auto`'s
    // threshold, from one machine whose cores it needs for sending.
    queue: { enabled: true, admissionRatePerSec: options.rate, maxActive: options.maxActive, pow: 'off' },
  })
  const eventId = event.id
  const crowd = new Crowd(run, eventId, options)

  run.startTicking()
  const sampler = sampleFrontier(run, eventId, 250)
  const watcher = (async () => {
    // Ends the run once the sale is over: at sold out plus the linger time, or when all are done.
    for (let i = 0; run.running && i < 100_000_000; i++) {
      if (crowd.done >= options.users) break
      const allJoined = crowd.joinsSettled >= options.users
      if (
        options.until === 'sold-out' &&
        allJoined &&
        crowd.soldOutAt !== null &&
        run.now() - Math.max(crowd.soldOutAt, crowd.lastJoinAt) >= options.lingerSeconds
      )
        break
      if (!(await run.wait(100))) break
    }
    run.stop()
  })()
  const launched = await arrive(run, options.users, options.arrivalSeconds, () => crowd.arrive())
  await crowd.settled(launched)
  run.stop()
  await Promise.all([sampler, watcher])
  run.stopTicking()
  run.count('last join answered at s', Math.round(crowd.lastJoinAt * 10) / 10)

  const { ledger } = crowd
  const sale = await ledger.verify(run, eventId, options.verifyBuyers)
  const steps = [...client.steps.values()]
  const checks = evaluate({
    capacity: options.capacity,
    ...sale,
    inversions: countInversions(crowd.joins),
    regressions: frontierRegressions(run.frontier),
    rateSetting: options.rate,
    measuredRate: measureAdmissionRate(run.frontier, options.rate, 5),
    rateTolerance: options.rateTolerance,
    serverErrors: steps.reduce((sum, s) => sum + s.serverErrors, 0),
    networkErrors: steps.reduce((sum, s) => sum + s.networkErrors, 0),
    holdsMayHaveExpired: run.now() > options.holdTtlSeconds * 0.9,
    joins: {
      arrived: launched,
      joined: crowd.joins.length,
      firstArrivalAt: crowd.firstArrivalAt,
      lastAnsweredAt: crowd.joins.length > 0 ? crowd.lastJoinAt : null,
      withinSeconds: options.joinWithinSeconds,
    },
  })
  run.count('holds granted', ledger.holdsGranted)
  run.count('paid orders', ledger.paidOrders)
  run.count('sold-out answers', ledger.soldOutAnswers)
  const { admin: _admin, ...shown } = options
  return run.results('rush', shown, eventId, checks)
}

/** What the whole crowd shares: the paths it calls, what it saw of the line, and who is done. */
class Crowd {
  readonly client: LoadClient
  readonly joinPath: string
  readonly statusPath: string
  readonly enterPath: string
  readonly joins: JoinRecord[] = []
  readonly ledger = new SaleLedger()
  /** Seconds into the run when the first user arrived. */
  firstArrivalAt: number | null = null
  soldOutAt: number | null = null
  lastJoinAt = 0
  /** Users whose join has been answered (or failed): the run never ends before all have joined. */
  joinsSettled = 0
  done = 0
  private waiting: { launched: number; resolve: () => void; reject: (error: unknown) => void } | null = null
  private failure: { error: unknown } | null = null

  constructor(
    readonly run: RunContext,
    readonly eventId: string,
    readonly options: RushOptions,
  ) {
    this.client = run.client
    this.joinPath = `/api/v1/events/${eventId}/queue/join`
    this.statusPath = `/api/v1/events/${eventId}/queue/status`
    this.enterPath = `/api/v1/events/${eventId}/queue/enter`
  }

  private arrivals = 0

  arrive(): void {
    this.firstArrivalAt ??= this.run.now()
    new Visitor(this).start(this.arrivals++)
  }

  /** Resolves once each of the `launched` users is done; rejects on the first that threw. */
  settled(launched: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting = { launched, resolve, reject }
      this.check()
    })
  }

  finished(): void {
    this.done++
    this.check()
  }

  failed(error: unknown): void {
    this.failure ??= { error }
    this.finished()
  }

  private check(): void {
    if (this.waiting === null) return
    if (this.failure) this.waiting.reject(this.failure.error)
    else if (this.done >= this.waiting.launched) this.waiting.resolve()
  }

  /** The rest of an admitted user's visit: enter, then maybe hold, order and pay. */
  async admitted(authorization: string, ticket: string, address: string): Promise<void> {
    const { run, client } = this
    run.count('admitted seen')
    let token: string | null = null
    // The frontier this process answered from may lag the leader by a refresh: retry a few times.
    for (let attempt = 0; attempt < 5 && token === null && run.running; attempt++) {
      const enter = await client.send('enter', {
        method: 'POST',
        path: this.enterPath,
        // Each user's own address, as on its join: the per-address limits count it apart.
        headers: { authorization, 'x-queue-ticket': ticket, 'x-forwarded-for': address },
        expect: [409],
        lane: 'shopper',
      })
      if (enter.status === 200) token = enter.body.admissionToken
      else if (!(await run.wait(1000))) return
    }
    if (token === null) return run.count(run.running ? 'enter failed' : 'left at the end')
    run.count('entered')
    if (Math.random() < this.options.abandon) return run.count('abandoned')
    const outcome = await this.ledger.checkout(
      run,
      this.eventId,
      { authorization, 'x-admission-token': token, 'x-forwarded-for': address },
      this.options,
    )
    run.count(outcome === 'failed' && !run.running ? 'cut at the end' : outcome)
    if (outcome === 'sold-out' && this.soldOutAt === null) this.soldOutAt = run.now()
  }
}

/**
 * One user of the crowd from arrival until called in: joins as a new guest, and polls at
 * the server's pace. Everyone in the crowd is one of these at once, so it is one small object
 * that hears its own answers and is its own sleeper: no promise, closure or timer per user or per
 * request. Once admitted, the rest of the visit is an ordinary async flow, as few users get there.
 */
class Visitor implements Recipient, Sleeper {
  private step: 'join' | 'status' = 'join'
  private authorization = ''
  private ticket = ''
  private joinSentAt = 0
  private polls = 0
  /** Which simulated user this is, for its address. */
  private n = 0

  constructor(private readonly crowd: Crowd) {}

  /** Arrives: a new guest identity and a place in line, in one request. */
  start(n: number): void {
    this.n = n
    this.joinSentAt = this.crowd.run.now()
    this.crowd.client.dispatch(
      'join',
      {
        method: 'POST',
        path: `${this.crowd.joinPath}?guest=true`,
        headers: { 'x-forwarded-for': simulatedAddress(n) },
      },
      this,
    )
  }

  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server under test, read field by field.
  answered(status: number, body: any): void {
    if (this.step === 'join') this.joinAnswered(status, body)
    else if (status === 200) this.waitInLine(body.state, body.pollAfterMs)
    else this.waitInLine('waiting', 1000)
  }

  /** Time to poll again. */
  wake(): void {
    const { crowd } = this
    if (!crowd.run.running) {
      crowd.finished()
      return
    }
    this.polls++
    crowd.client.dispatch(
      'status',
      { method: 'GET', path: crowd.statusPath, headers: { 'x-queue-ticket': this.ticket } },
      this,
    )
  }

  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server under test.
  private joinAnswered(status: number, body: any): void {
    const { crowd } = this
    const { run } = crowd
    crowd.joinsSettled++
    if (status !== 201 && status !== 200) {
      if (status === 429) run.count('join refused by a per-address limit (serve with TRUST_PROXY=loopback)')
      else run.count(run.running ? 'join failed' : 'cut at the end')
      crowd.finished()
      return
    }
    const answeredAt = run.now()
    crowd.lastJoinAt = Math.max(crowd.lastJoinAt, answeredAt)
    crowd.joins.push({ number: body.number, sentAt: this.joinSentAt, answeredAt })
    run.count('joined')
    this.authorization = `Bearer ${body.session?.accessToken}`
    this.ticket = body.ticket
    this.step = 'status'
    this.waitInLine(body.state, body.pollAfterMs)
  }

  /** Sleeps until the next poll while still waiting, else leaves the line: admitted or not. */
  private waitInLine(state: string, pollAfterMs: number): void {
    const { crowd } = this
    if (state === 'waiting' && this.polls < maxPollsPerUser) {
      if (!crowd.run.sleep(pollAfterMs, this)) crowd.finished()
      return
    }
    if (state !== 'admitted') {
      crowd.run.count(`left while ${state}`)
      crowd.finished()
      return
    }
    crowd.admitted(this.authorization, this.ticket, simulatedAddress(this.n)).then(
      () => crowd.finished(),
      (error: unknown) => crowd.failed(error),
    )
  }
}
