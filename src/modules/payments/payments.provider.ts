/** What the sales engine needs from a payment provider; the simulator is the built-in one. */
export interface PaymentProvider {
  /** False for a token this provider would never accept: the request is refused before any change. */
  knowsToken(token: string): boolean
  /** Reserves the amount on the buyer's instrument. `pending`: the answer comes later by webhook. */
  authorize(input: {
    orderId: string
    token: string
    amountCents: number
    currency: string
  }): Promise<Authorization>
  /** Takes the money reserved by an approved authorization. */
  capture(reference: string, amountCents: number): Promise<void>
  refund(reference: string, amountCents: number): Promise<void>
  /** Checks a webhook's signature and parses it; throws BW_WEBHOOK_SIGNATURE when it is not ours. */
  verifyWebhook(rawBody: string, signature: string | undefined): PaymentWebhook
}

export type Authorization =
  | { outcome: 'approved'; reference: string }
  | { outcome: 'declined' | 'error'; reference: string; reason: string }
  | { outcome: 'pending'; reference: string }

export interface PaymentWebhook {
  /** Unique per delivery of one fact; a second delivery with the same id changes nothing. */
  id: string
  type: 'payment.succeeded' | 'payment.failed'
  orderId: string
  reference: string
  /** What the provider took (or failed to take); the sales engine checks both against the order. */
  amountCents: number
  currency: string
}
