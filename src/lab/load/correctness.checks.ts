/** The correctness checks run at the end of every load run: was the sale right, not only fast. */

export interface Check {
  name: string
  /** null: not judged in this run (e.g. too short to measure a rate), which does not fail it. */
  ok: boolean | null
  detail: string
}

/** One join as the driver saw it: when it was sent and answered, and the number handed out. */
export interface JoinRecord {
  number: number
  sentAt: number
  answeredAt: number
}

/** The public frontier, sampled by the driver during the run. */
export interface FrontierSample {
  t: number
  servingNumber: number
  lastNumber: number
  waiting: number
  active: number
  maxActive: number
  /** The server calls nobody while sold out; absent in results from before it was sampled. */
  soldOut?: boolean
}

/**
 * Users served out of line: B is counted when some A's join was answered before B's join was sent,
 * yet A holds a later number, so would be admitted after B. Numbers are handed out atomically, so a
 * correct server has none. O(n log n): a sweep over sends with the largest number answered so far.
 */
export function countInversions(joins: readonly JoinRecord[]): number {
  const byAnswer = [...joins].sort((a, b) => a.answeredAt - b.answeredAt)
  const bySend = [...joins].sort((a, b) => a.sentAt - b.sentAt)
  let inversions = 0
  let maxNumber = 0
  let i = 0
  for (const b of bySend) {
    while (i < byAnswer.length && (byAnswer[i] as JoinRecord).answeredAt < b.sentAt) {
      maxNumber = Math.max(maxNumber, (byAnswer[i] as JoinRecord).number)
      i++
    }
    if (maxNumber > b.number) inversions++
  }
  return inversions
}

/** Times the serving number went backwards between two samples: admission must be monotonic. */
export function frontierRegressions(samples: readonly FrontierSample[]): number {
  let regressions = 0
  for (let i = 1; i < samples.length; i++)
    if ((samples[i] as FrontierSample).servingNumber < (samples[i - 1] as FrontierSample).servingNumber)
      regressions++
  return regressions
}

/**
 * The admission rate while the room was busy: over the longest stretch of samples in which at
 * least one second of crowd was waiting and maxActive did not hold the line back, so the rate
 * setting alone paced admission. Null when that stretch is shorter than `minSeconds`.
 */
export function measureAdmissionRate(
  samples: readonly FrontierSample[],
  rate: number,
  minSeconds: number,
): { rate: number; seconds: number } | null {
  let best: { from: FrontierSample; to: FrontierSample } | null = null
  let from: FrontierSample | null = null
  for (const sample of samples) {
    // Busy: people wait, there is room inside, and something to sell (sold out, nobody is called).
    const busy = sample.waiting >= rate && sample.active < sample.maxActive && sample.soldOut !== true
    if (busy) {
      from ??= sample
      if (!best || sample.t - from.t > best.to.t - best.from.t) best = { from, to: sample }
    } else from = null
  }
  if (!best) return null
  const seconds = best.to.t - best.from.t
  if (seconds < minSeconds) return null
  return { rate: (best.to.servingNumber - best.from.servingNumber) / seconds, seconds }
}

export interface CorrectnessInput {
  capacity: number
  /** The event's `remaining` at the end, from the server. */
  remaining: number
  holdsGranted: number
  /** Orders whose payment failed: their holds were released and the stock returned. */
  failedPayments: number
  /**
   * Orders answered with a 5xx (a 503 from a busy database, say) or not at all: the payment may
   * have failed and returned the stock without the driver learning it.
   */
  ordersUnanswered: number
  paidOrders: number
  /** Orders paid with an approving token that did not end `paid`. */
  approvedNotPaid: number
  /** Idempotency keys that answered with more than one order id. */
  keysWithSeveralOrders: number
  /** Holds that ended up in more than one order, from the buyers' own order lists. */
  holdsWithSeveralOrders: number
  inversions: number
  regressions: number
  rateSetting: number | null
  measuredRate: { rate: number; seconds: number } | null
  rateTolerance: number
  serverErrors: number
  networkErrors: number
  /** Holds may have expired and returned stock when the run outlived them. */
  holdsMayHaveExpired: boolean
  /** How the crowd joined the waiting room; null when the scenario has none. */
  joins: JoinTiming | null
}

/** The target "every user joined within N s": the crowd's joins, in seconds since the run started. */
export interface JoinTiming {
  arrived: number
  /** Users whose join was answered 200 or 201. */
  joined: number
  firstArrivalAt: number | null
  /** When the last successful join was answered; null when none was. */
  lastAnsweredAt: number | null
  withinSeconds: number
}

function joinCheck(joins: JoinTiming | null): Check {
  if (joins === null)
    return {
      name: 'every user joined in time',
      ok: null,
      detail: 'not judged: no waiting room in this scenario',
    }
  const { arrived, joined, firstArrivalAt, lastAnsweredAt, withinSeconds } = joins
  const took =
    firstArrivalAt === null || lastAnsweredAt === null ? null : Math.max(0, lastAnsweredAt - firstArrivalAt)
  const missing = arrived - joined
  return {
    name: `every user joined within ${withinSeconds} s`,
    ok: arrived > 0 && missing === 0 && took !== null && took <= withinSeconds,
    detail: [
      `${joined} of ${arrived} arrived users joined`,
      missing > 0 ? `${missing} failed or were cut` : null,
      took === null
        ? 'no join was answered'
        : `the last join was answered ${took.toFixed(1)} s after the first arrival (limit ${withinSeconds} s)`,
    ]
      .filter((part) => part !== null)
      .join('; '),
  }
}

export function evaluate(input: CorrectnessInput): Check[] {
  const sold = input.capacity - input.remaining
  const checks: Check[] = [
    {
      name: 'sold ≤ capacity',
      ok: input.paidOrders <= input.capacity && input.remaining >= 0,
      detail: `${input.paidOrders} paid orders, ${sold} taken by the server's count, capacity ${input.capacity}; oversold ${Math.max(0, input.paidOrders - input.capacity, -input.remaining)}`,
    },
    {
      name: "holds granted ≤ server's stock taken",
      ok: input.holdsMayHaveExpired
        ? null
        : input.holdsGranted - input.failedPayments - input.ordersUnanswered <= sold,
      detail: input.holdsMayHaveExpired
        ? 'not judged: the run outlived the hold time, so stock may have returned'
        : `${input.holdsGranted} holds granted, ${input.failedPayments} released by a failed payment, ${input.ordersUnanswered} orders unanswered, ${sold} units taken (a lower count means lost updates)`,
    },
    {
      name: 'orders = paid holds',
      ok: input.approvedNotPaid === 0 && input.paidOrders <= input.holdsGranted,
      detail: `${input.paidOrders} paid of ${input.holdsGranted} holds; ${input.approvedNotPaid} approved payments not paid`,
    },
    {
      name: 'no duplicate charge',
      ok: input.keysWithSeveralOrders === 0 && input.holdsWithSeveralOrders === 0,
      detail: `${input.keysWithSeveralOrders} idempotency keys with several orders, ${input.holdsWithSeveralOrders} holds in several orders`,
    },
    {
      name: 'admission order = join order',
      ok: input.inversions === 0 && input.regressions === 0,
      detail: `${input.inversions} inversions, ${input.regressions} times the serving number went back`,
    },
    {
      name: `admission rate within ±${(input.rateTolerance * 100).toFixed(0)} %`,
      ok:
        input.rateSetting === null || input.measuredRate === null
          ? null
          : Math.abs(input.measuredRate.rate - input.rateSetting) <= input.rateTolerance * input.rateSetting,
      detail:
        input.rateSetting === null
          ? 'not judged: no waiting room in this scenario'
          : input.measuredRate === null
            ? 'not judged: the room was not busy long enough to measure'
            : `${input.measuredRate.rate.toFixed(1)}/s over ${input.measuredRate.seconds.toFixed(1)} s, setting ${input.rateSetting}/s`,
    },
    joinCheck(input.joins),
    {
      name: 'no 5xx, no network errors',
      ok: input.serverErrors === 0 && input.networkErrors === 0,
      detail: `${input.serverErrors} 5xx, ${input.networkErrors} network errors`,
    },
  ]
  return checks
}
