import { createHash } from 'node:crypto'
import pRetry from 'p-retry'
import type { SalesConfig } from '../../config.ts'
import { AppError, DependencyUnavailableError } from '../../platform/http/errors.catalogue.ts'
import type { AdmissionRelease } from '../../platform/security/admission.tokens.ts'
import type { PaymentProvider, PaymentWebhook } from '../payments/payments.provider.ts'
import type { OrderRecord, OrdersRepository } from './orders.repository.ts'
import type { SalesMetrics } from './sales.metrics.ts'
import type { CreateOrderInput, OrderView } from './sales.schemas.ts'

export interface OrderResponse {
  /** Always 201 today: failures before the order exists are errors, not stored responses. */
  status: number
  body: OrderView
  replayed: boolean
}

/** How long settling an order outlasts a busy database: 5 retries from 100 ms, doubling, with jitter (3–6 s in all). */
export const settleRetry = { retries: 5, minTimeoutMs: 100 }

/**
 * Checkout as a workflow: claim the key and create the order (one transaction), charge, then
 * settle the order (one transaction). A failed charge compensates by returning the hold's stock.
 */
export class OrdersService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly provider: Pick<PaymentProvider, 'knowsToken' | 'authorize' | 'capture' | 'refund'>,
    private readonly config: Pick<SalesConfig, 'idempotencyKeyTtlSeconds' | 'disabledGuards'>,
    private readonly metrics: SalesMetrics,
    private readonly admissions: AdmissionRelease,
    private readonly log: { warn(obj: object, msg: string): void },
    private readonly retry: { retries: number; minTimeoutMs: number } = settleRetry,
  ) {}

  async create(userId: string, key: string | undefined, input: CreateOrderInput): Promise<OrderResponse> {
    if (!key) throw new AppError('BW_IDEMPOTENCY_KEY_MISSING')
    if (!this.provider.knowsToken(input.paymentToken)) throw new AppError('BW_PAYMENT_TOKEN_UNKNOWN')
    const claim = !this.config.disabledGuards.has('idempotency')
    let begun: Awaited<ReturnType<OrdersRepository['begin']>>
    try {
      begun = await this.repository.begin({
        userId,
        holdId: input.holdId,
        paymentToken: input.paymentToken,
        idempotency: claim
          ? { key, fingerprint: fingerprint(input), ttlSeconds: this.config.idempotencyKeyTtlSeconds }
          : null,
      })
    } catch (error) {
      if (error instanceof AppError && error.code === 'BW_IDEMPOTENCY_CONFLICT')
        this.metrics.idempotency.inc({ result: 'conflict' })
      if (error instanceof AppError && error.code === 'BW_IDEMPOTENCY_MISMATCH')
        this.metrics.idempotency.inc({ result: 'mismatch' })
      throw error
    }
    if (begun.kind === 'replay') {
      this.metrics.idempotency.inc({ result: 'replay' })
      return { status: begun.response.status, body: begun.response.body as OrderView, replayed: true }
    }
    this.metrics.orders.inc({ status: 'pending_payment' })
    const settled = await this.charge(begun.order, input.paymentToken)
    const response = { status: 201, body: toView(settled) }
    if (claim) await this.settle(begun.order.id, () => this.repository.finishKey(userId, key, response))
    return { ...response, replayed: false }
  }

  async get(orderId: string, userId: string): Promise<OrderView> {
    const order = await this.repository.findForUser(orderId, userId)
    // Someone else's order is answered exactly like a missing one.
    if (!order) throw new AppError('BW_ORDER_NOT_FOUND')
    return toView(order)
  }

  /** Every order of one event, for the team running the sale. */
  async listForEvent(eventId: string, limit = 200): Promise<OrderView[]> {
    return (await this.repository.listForEvent(eventId, limit)).map(toView)
  }

  async list(userId: string, limit = 100): Promise<OrderView[]> {
    return (await this.repository.listForUser(userId, limit)).map(toView)
  }

  /**
   * A webhook the payments module verified; duplicates and late or out-of-order ones change nothing
   * twice. A success for another amount or currency than the order's is refused and changes nothing:
   * a signature proves who sent it, not that the buyer paid what the order costs.
   */
  async applyWebhook(webhook: PaymentWebhook): Promise<{ applied: boolean }> {
    if (webhook.type === 'payment.succeeded') {
      await this.checkPaid(webhook)
      const { outcome, order } = await this.repository.applySuccess(
        webhook.orderId,
        webhook.reference,
        webhook.amountCents,
        webhook.id,
      )
      await this.afterSuccess(outcome, order, webhook.reference, webhook.amountCents)
      return { applied: outcome === 'paid' || outcome === 'refund' }
    }
    const { outcome } = await this.repository.applyFailure(webhook.orderId, 'declined_later', webhook.id)
    if (outcome === 'failed') this.countSettled('payment_failed', 'declined')
    return { applied: outcome === 'failed' }
  }

  private async checkPaid(webhook: PaymentWebhook): Promise<void> {
    // An order's amount and currency never change once it exists, so reading them first is no race.
    const order = await this.repository.find(webhook.orderId)
    if (!order || (order.amountCents === webhook.amountCents && order.currency === webhook.currency)) return
    this.metrics.payments.inc({ outcome: 'mismatch' })
    this.log.warn(
      {
        orderId: order.id,
        webhookId: webhook.id,
        order: { amountCents: order.amountCents, currency: order.currency },
        paid: { amountCents: webhook.amountCents, currency: webhook.currency },
      },
      'payment webhook does not match its order; refused',
    )
    throw new AppError('BW_PAYMENT_MISMATCH')
  }

  private async charge(order: OrderRecord, token: string): Promise<OrderRecord> {
    let authorization: Awaited<ReturnType<PaymentProvider['authorize']>>
    try {
      authorization = await this.provider.authorize({
        orderId: order.id,
        token,
        amountCents: order.amountCents,
        currency: order.currency,
      })
    } catch (error) {
      this.log.warn({ err: error, orderId: order.id }, 'payment provider failed')
      authorization = { outcome: 'error', reference: '', reason: 'provider_error' }
    }
    switch (authorization.outcome) {
      case 'approved': {
        await this.provider.capture(authorization.reference, order.amountCents)
        const { outcome, order: settled } = await this.settle(order.id, () =>
          this.repository.applySuccess(order.id, authorization.reference, order.amountCents, null),
        )
        await this.afterSuccess(outcome, settled, authorization.reference, order.amountCents)
        return settled ?? order
      }
      case 'declined':
      case 'error': {
        const { order: failed } = await this.settle(order.id, () =>
          this.repository.applyFailure(order.id, authorization.reason, null),
        )
        this.countSettled('payment_failed', authorization.outcome)
        return failed ?? order
      }
      case 'pending': {
        this.metrics.payments.inc({ outcome: 'pending' })
        return (
          (await this.settle(order.id, () =>
            this.repository.setPaymentRef(order.id, authorization.reference),
          )) ?? order
        )
      }
    }
  }

  /**
   * Records what the provider answered. Money may have moved by now, so a busy or briefly
   * unreachable database is retried for a few seconds (each step is safe to repeat: run again, it
   * finds the order already moved and changes nothing), rather than answered 503, which would leave a
   * captured order pending until its hold expired. Any other error is not retried.
   */
  private settle<T>(orderId: string, step: () => Promise<T>): Promise<T> {
    return pRetry(step, {
      retries: this.retry.retries,
      minTimeout: this.retry.minTimeoutMs,
      factor: 2,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof DependencyUnavailableError,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft > 0 && error instanceof DependencyUnavailableError)
          this.log.warn(
            { err: error, orderId, attemptNumber },
            'settling the order: database unavailable, retrying',
          )
      },
    })
  }

  private async afterSuccess(
    outcome: string,
    order: OrderRecord | undefined,
    reference: string,
    amountCents: number,
  ): Promise<void> {
    if (!order) return
    if (outcome === 'paid') {
      this.countSettled('paid', 'approved')
      this.metrics.revenue.inc({ currency: order.currency }, order.amountCents)
      if (order.admissionId) {
        // The admission was counted against the room's maxActive; hand it back now the sale is done.
        await this.admissions.release({ id: order.admissionId, eventId: order.eventId }).catch((error) => {
          this.log.warn({ err: error, orderId: order.id }, 'admission release failed')
        })
      }
    } else if (outcome === 'refund') {
      await this.provider.refund(reference, amountCents)
      this.countSettled('refunded', 'refunded')
    }
  }

  private countSettled(status: string, paymentOutcome: string): void {
    this.metrics.orders.inc({ status })
    this.metrics.payments.inc({ outcome: paymentOutcome })
  }
}

/** The request's fingerprint: the same key with a different body is refused (422). */
export function fingerprint(input: CreateOrderInput): string {
  return createHash('sha256')
    .update(JSON.stringify([input.holdId, input.paymentToken]))
    .digest('hex')
}

function toView(order: OrderRecord): OrderView {
  return {
    id: order.id,
    eventId: order.eventId,
    holdId: order.holdId,
    quantity: order.quantity,
    amountCents: order.amountCents,
    currency: order.currency,
    status: order.status,
    failureReason: order.failureReason,
    createdAt: new Date(order.createdAt).toISOString(),
    updatedAt: new Date(order.updatedAt).toISOString(),
  }
}
