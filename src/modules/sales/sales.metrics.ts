import { Counter, type Registry } from 'prom-client'

/** The sales engine's Prometheus metrics, registered on the app's registry. */
export class SalesMetrics {
  readonly holds: Counter<'outcome'>
  readonly orders: Counter<'status'>
  readonly payments: Counter<'outcome'>
  readonly revenue: Counter<'currency'>
  readonly idempotency: Counter<'result'>

  constructor(registry: Registry) {
    const registers = [registry]
    this.holds = new Counter({
      name: 'breakwater_holds_total',
      help: 'Hold attempts by outcome (created, sold_out, limit, released, expired)',
      labelNames: ['outcome'],
      registers,
    })
    this.orders = new Counter({
      name: 'breakwater_orders_total',
      help: 'Orders entering each state',
      labelNames: ['status'],
      registers,
    })
    this.payments = new Counter({
      name: 'breakwater_payments_total',
      help: 'Payment attempts by outcome (approved, declined, error, pending, refunded)',
      labelNames: ['outcome'],
      registers,
    })
    this.revenue = new Counter({
      name: 'breakwater_revenue_cents_total',
      help: 'Captured revenue in minor units, by currency',
      labelNames: ['currency'],
      registers,
    })
    this.idempotency = new Counter({
      name: 'breakwater_idempotency_total',
      help: 'Idempotency-Key outcomes that were not a first request (replay, conflict, mismatch)',
      labelNames: ['result'],
      registers,
    })
  }
}
