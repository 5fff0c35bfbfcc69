import type { OrderState } from './sales.tables.ts'

/** The order state machine: every change of `orders.status` is one of these edges. */
export const orderTransitions: Readonly<Record<OrderState, readonly OrderState[]>> = {
  pending_payment: ['paid', 'payment_failed', 'expired'],
  paid: ['refunded'],
  // A payment that lands after the hold expired is given back, never fulfilled.
  expired: ['refunded'],
  payment_failed: [],
  refunded: [],
}

export function canTransition(from: OrderState, to: OrderState): boolean {
  return orderTransitions[from].includes(to)
}

/** The states an order may be in to move to `to`: the repository's conditional update uses them. */
export function sourcesOf(to: OrderState): OrderState[] {
  return (Object.keys(orderTransitions) as OrderState[]).filter((from) => canTransition(from, to))
}
