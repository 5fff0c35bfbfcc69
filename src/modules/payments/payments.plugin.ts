import fp from 'fastify-plugin'
import { deriveKey } from '../../platform/security/secrets.store.ts'
import type { PaymentWebhook } from './payments.provider.ts'
import { PaymentSimulator } from './payments.simulator.ts'

/** What the one consumer of verified webhooks (the sales engine) answers for each. */
export type WebhookConsumer = (webhook: PaymentWebhook) => Promise<{ applied: boolean }>

/** The payment provider and its webhooks: only a verified webhook reaches the consumer. */
export interface Payments {
  /** The provider: the built-in simulator. */
  readonly provider: PaymentSimulator
  /** Checks a webhook's signature and body, then hands it to the consumer. */
  receive(rawBody: string, signature: string | undefined): Promise<{ applied: boolean }>
  /** Names the consumer of verified webhooks, once. */
  consume(consumer: WebhookConsumer): void
}

declare module 'fastify' {
  interface FastifyInstance {
    payments: Payments
  }
}

/** Builds the payment provider and verifies its webhooks before the sales engine sees them. */
export const paymentsPlugin = fp<{ secret: string; lateSuccessDelayMs: number }>(
  async (app, { secret, lateSuccessDelayMs }) => {
    const provider = new PaymentSimulator(deriveKey(secret, 'payment-webhook'), lateSuccessDelayMs)
    let consumer: WebhookConsumer | null = null
    const payments: Payments = {
      provider,
      async receive(rawBody, signature) {
        const webhook = provider.verifyWebhook(rawBody, signature)
        if (!consumer) throw new Error('no consumer of payment webhooks is registered')
        return consumer(webhook)
      },
      consume(given) {
        if (consumer) throw new Error('payment webhooks already have a consumer')
        consumer = given
      },
    }
    // The simulator's own late webhooks take the same way in as the HTTP route's.
    provider.connect(async (body, signature) => {
      await payments.receive(body, signature)
    })
    app.decorate('payments', payments)
    app.addHook('onClose', async () => provider.close())
  },
  { name: 'payments' },
)
