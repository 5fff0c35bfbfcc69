import { randomUUID } from 'node:crypto'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { Authorization, PaymentProvider, PaymentWebhook } from './payments.provider.ts'
import { signWebhook, verifyWebhookSignature } from './webhook.signatures.ts'

export const simulatorTokens = [
  'tok_approved',
  'tok_declined',
  'tok_error',
  'tok_timeout',
  'tok_late_success',
] as const

/** Where the simulator sends its signed webhooks: the same entry point the HTTP route uses. */
export type WebhookSink = (rawBody: string, signature: string) => Promise<void>

/**
 * The built-in payment provider. Its behaviour is chosen by the test token: approve, decline,
 * fail, never answer (`tok_timeout`), or answer "pending" and succeed later by webhook.
 */
export class PaymentSimulator implements PaymentProvider {
  private sink: WebhookSink | null = null
  private readonly timers = new Set<NodeJS.Timeout>()
  /** Calls made, for tests and the lab: how many captures and refunds each order saw. */
  readonly ledger: { kind: 'capture' | 'refund'; reference: string; amountCents: number }[] = []

  constructor(
    private readonly key: Uint8Array,
    private readonly lateSuccessDelayMs: number,
  ) {}

  connect(sink: WebhookSink): void {
    this.sink = sink
  }

  knowsToken(token: string): boolean {
    return (simulatorTokens as readonly string[]).includes(token)
  }

  async authorize(input: {
    orderId: string
    token: string
    amountCents: number
    currency: string
  }): Promise<Authorization> {
    const reference = `sim_${randomUUID()}`
    switch (input.token) {
      case 'tok_approved':
        return { outcome: 'approved', reference }
      case 'tok_declined':
        return { outcome: 'declined', reference, reason: 'card_declined' }
      case 'tok_error':
        return { outcome: 'error', reference, reason: 'provider_error' }
      case 'tok_timeout':
        return { outcome: 'pending', reference }
      case 'tok_late_success':
        this.later(() =>
          this.send({
            id: `evt_${randomUUID()}`,
            type: 'payment.succeeded',
            orderId: input.orderId,
            reference,
            amountCents: input.amountCents,
            currency: input.currency,
          }),
        )
        return { outcome: 'pending', reference }
      default:
        throw new AppError('BW_PAYMENT_TOKEN_UNKNOWN')
    }
  }

  async capture(reference: string, amountCents: number): Promise<void> {
    this.record({ kind: 'capture', reference, amountCents })
  }

  async refund(reference: string, amountCents: number): Promise<void> {
    this.record({ kind: 'refund', reference, amountCents })
  }

  private record(entry: PaymentSimulator['ledger'][number]): void {
    // Bounded, so a long-running server does not grow without limit.
    if (this.ledger.length >= 100_000) this.ledger.shift()
    this.ledger.push(entry)
  }

  verifyWebhook(rawBody: string, signature: string | undefined): PaymentWebhook {
    verifyWebhookSignature(this.key, rawBody, signature)
    let webhook: Partial<PaymentWebhook>
    try {
      webhook = JSON.parse(rawBody)
    } catch {
      throw new AppError('BW_MALFORMED_BODY')
    }
    const valid =
      typeof webhook.id === 'string' &&
      (webhook.type === 'payment.succeeded' || webhook.type === 'payment.failed') &&
      typeof webhook.orderId === 'string' &&
      /^[0-9a-f-]{36}$/i.test(webhook.orderId) &&
      typeof webhook.reference === 'string' &&
      Number.isInteger(webhook.amountCents) &&
      typeof webhook.currency === 'string' &&
      /^[A-Z]{3}$/.test(webhook.currency)
    if (!valid) throw new AppError('BW_VALIDATION', 'The webhook body is not a payment event')
    return webhook as PaymentWebhook
  }

  /** Signs a webhook as this provider would; tests use it to deliver duplicates and out-of-order calls. */
  sign(webhook: PaymentWebhook): { body: string; signature: string } {
    const body = JSON.stringify(webhook)
    return { body, signature: signWebhook(this.key, body) }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private later(work: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      work().catch(() => {})
    }, this.lateSuccessDelayMs)
    timer.unref()
    this.timers.add(timer)
  }

  private async send(webhook: PaymentWebhook): Promise<void> {
    const { body, signature } = this.sign(webhook)
    await this.sink?.(body, signature)
  }
}
