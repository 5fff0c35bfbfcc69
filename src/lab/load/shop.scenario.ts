import { SaleLedger } from './checkout.flow.ts'
import { evaluate } from './correctness.checks.ts'
import { simulatedAddress } from './load.client.ts'
import { arrive, createEvent, type RunContext, type RunResults } from './load.run.ts'

export interface ShopOptions {
  /** New visitors per second (open model). */
  arrivalsPerSecond: number
  durationSeconds: number
  capacity: number
  /** Relative weights of what a visitor does. */
  weights: { browse: number; checkout: number }
  declineRatio: number
  retryRatio: number
  verifyBuyers: number
  holdTtlSeconds: number
  admin: { email: string; password: string }
}

/** Parses `browse=80,checkout=20`. */
export function parseWeights(text: string): ShopOptions['weights'] {
  const weights = { browse: 0, checkout: 0 }
  for (const part of text.split(',')) {
    const [name, value] = part.split('=')
    if ((name !== 'browse' && name !== 'checkout') || !Number.isFinite(Number(value)) || Number(value) < 0)
      throw new Error(`bad weight "${part}": expected browse=N,checkout=N`)
    weights[name] = Number(value)
  }
  if (weights.browse + weights.checkout <= 0) throw new Error('the weights add up to nothing')
  return weights
}

/**
 * The shop (and, with a long duration and a low rate, the soak): visitors arrive at a steady rate
 * and either browse the listing and an event or buy one ticket, straight from the shop, no queue.
 */
export async function runShop(
  run: RunContext,
  name: 'shop' | 'soak',
  options: ShopOptions,
): Promise<RunResults> {
  const { client } = run
  const event = await createEvent(client, options.admin, {
    name: `Load lab ${name} ${run.startedAt.toISOString()}`,
    salesOpenAt: new Date(Date.now() - 1000).toISOString(),
    capacity: options.capacity,
    priceCents: 2500,
    currency: 'EUR',
    perUserLimit: 1,
    queue: { enabled: false },
  })
  const eventId = event.id
  const ledger = new SaleLedger()
  const share = options.weights.browse / (options.weights.browse + options.weights.checkout)

  let visitors = 0
  const visitor = async (): Promise<void> => {
    if (Math.random() < share) {
      await client.send('browse list', { method: 'GET', path: '/api/v1/events' })
      await client.send('browse event', { method: 'GET', path: `/api/v1/events/${eventId}` })
      return run.count('browsed')
    }
    // Each visitor's own address on every request, so the per-address limits count it apart.
    const address = { 'x-forwarded-for': simulatedAddress(visitors++) }
    const guest = await client.send('guest', { method: 'POST', path: '/api/v1/auth/guest', headers: address })
    if (guest.status !== 201) return run.count('guest failed')
    const outcome = await ledger.checkout(
      run,
      eventId,
      { authorization: `Bearer ${guest.body.accessToken}`, ...address },
      options,
    )
    run.count(outcome)
  }

  run.startTicking()
  const total = Math.round(options.arrivalsPerSecond * options.durationSeconds)
  const flows: Promise<void>[] = []
  await arrive(run, total, options.durationSeconds, () => {
    flows.push(visitor())
  })
  await Promise.all(flows)
  run.stopTicking()
  const sale = await ledger.verify(run, eventId, options.verifyBuyers)
  const steps = [...client.steps.values()]
  const checks = evaluate({
    capacity: options.capacity,
    ...sale,
    inversions: 0,
    regressions: 0,
    rateSetting: null,
    measuredRate: null,
    rateTolerance: 0.02,
    serverErrors: steps.reduce((sum, s) => sum + s.serverErrors, 0),
    networkErrors: steps.reduce((sum, s) => sum + s.networkErrors, 0),
    holdsMayHaveExpired: run.now() > options.holdTtlSeconds * 0.9,
    joins: null,
  }).filter((check) => !check.name.startsWith('admission') && !check.name.startsWith('every user joined'))
  run.count('holds granted', ledger.holdsGranted)
  run.count('paid orders', ledger.paidOrders)
  const { admin: _admin, ...shown } = options
  return run.results(name, shown, eventId, checks)
}
