import { randomUUID } from 'node:crypto'
import type { CorrectnessInput } from './correctness.checks.ts'
import type { RunContext } from './load.run.ts'

export interface CheckoutOptions {
  /** Share of orders paid with `tok_declined` instead of `tok_approved`. */
  declineRatio: number
  /** Share of orders sent twice with the same Idempotency-Key, as a client retrying would. */
  retryRatio: number
}

/**
 * What the driver saw of the sale, kept to check it at the end: holds granted, orders by
 * idempotency key, and the buyers whose own order lists are read back from the server.
 */
export class SaleLedger {
  holdsGranted = 0
  soldOutAnswers = 0
  paidOrders = 0
  /** Declined payments give their hold's stock back. */
  failedPayments = 0
  /** Orders answered with a 5xx or not at all: whether their stock came back is unknown. */
  ordersUnanswered = 0
  approvedNotPaid = 0
  private readonly ordersByKey = new Map<string, Set<string>>()
  readonly buyers: string[] = []

  constructor(private readonly random: () => number = Math.random) {}

  /** Hold one unit, order it with an Idempotency-Key and pay; sometimes retry the order. */
  async checkout(
    run: RunContext,
    eventId: string,
    auth: Record<string, string>,
    options: CheckoutOptions,
  ): Promise<'bought' | 'declined' | 'sold-out' | 'failed'> {
    const hold = await run.client.send('hold', {
      method: 'POST',
      path: `/api/v1/events/${eventId}/holds`,
      headers: auth,
      json: { quantity: 1 },
      expect: [409],
      // Cut when the run ends: only a buyer who already holds stock finishes.
      lane: 'shopper',
    })
    if (hold.status === 409) {
      this.soldOutAnswers++
      return 'sold-out'
    }
    if (hold.status !== 201) return 'failed'
    this.holdsGranted++
    const key = randomUUID()
    const approved = this.random() >= options.declineRatio
    const request = {
      method: 'POST' as const,
      path: '/api/v1/orders',
      headers: { ...auth, 'idempotency-key': key },
      json: { holdId: hold.body.holdId, paymentToken: approved ? 'tok_approved' : 'tok_declined' },
      lane: 'checkout' as const,
    }
    const order = await run.client.send('order', request)
    if (order.status !== 201) {
      // A 4xx is the server's clear refusal; only a 5xx or no answer leaves the outcome unknown.
      if (order.status === 0 || order.status >= 500) this.ordersUnanswered++
      return 'failed'
    }
    this.buyers.push(auth.authorization as string)
    this.remember(key, order.body.id)
    if (this.random() < options.retryRatio) {
      // A replay must answer the very same order; a second id is a second charge.
      const replay = await run.client.send('order-replay', request)
      if (replay.status === 201 || replay.status === 200) this.remember(key, replay.body.id)
      run.count('order replays')
    }
    if (order.body.status === 'paid') this.paidOrders++
    else if (approved) this.approvedNotPaid++
    if (order.body.status === 'payment_failed') this.failedPayments++
    return approved ? 'bought' : 'declined'
  }

  private remember(key: string, orderId: string): void {
    let ids = this.ordersByKey.get(key)
    if (!ids) {
      ids = new Set()
      this.ordersByKey.set(key, ids)
    }
    ids.add(orderId)
  }

  /**
   * Reads back the event and up to `maxBuyers` buyers' order lists from the server: the
   * server's own word on stock and on holds charged twice.
   */
  async verify(
    run: RunContext,
    eventId: string,
    maxBuyers: number,
  ): Promise<
    Pick<
      CorrectnessInput,
      | 'remaining'
      | 'holdsGranted'
      | 'failedPayments'
      | 'ordersUnanswered'
      | 'paidOrders'
      | 'approvedNotPaid'
      | 'keysWithSeveralOrders'
      | 'holdsWithSeveralOrders'
    >
  > {
    const event = await run.client.send('verify', {
      method: 'GET',
      path: `/api/v1/events/${eventId}`,
      lane: 'probe',
    })
    if (event.status !== 200) throw new Error(`could not read the event back (${event.status})`)
    let holdsWithSeveralOrders = 0
    const sample = this.buyers.slice(0, maxBuyers)
    for (let i = 0; i < sample.length; i += 50) {
      const lists = await Promise.all(
        sample.slice(i, i + 50).map((authorization) =>
          run.client.send('verify', {
            method: 'GET',
            path: '/api/v1/orders',
            headers: { authorization },
            lane: 'probe',
          }),
        ),
      )
      for (const list of lists) {
        const orders: { holdId: string; eventId?: string }[] = Array.isArray(list.body)
          ? list.body
          : (list.body?.orders ?? list.body?.items ?? [])
        const perHold = new Map<string, number>()
        for (const order of orders) perHold.set(order.holdId, (perHold.get(order.holdId) ?? 0) + 1)
        for (const n of perHold.values()) if (n > 1) holdsWithSeveralOrders++
      }
    }
    run.count('buyers verified', sample.length)
    return {
      remaining: event.body.remaining,
      holdsGranted: this.holdsGranted,
      failedPayments: this.failedPayments,
      ordersUnanswered: this.ordersUnanswered,
      paidOrders: this.paidOrders,
      approvedNotPaid: this.approvedNotPaid,
      keysWithSeveralOrders: [...this.ordersByKey.values()].filter((ids) => ids.size > 1).length,
      holdsWithSeveralOrders,
    }
  }
}
