import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import type { Config } from '../../config.ts'
import { type AdmissionRelease, AdmissionTokens } from '../../platform/security/admission.tokens.ts'
import { deriveKey } from '../../platform/security/secrets.store.ts'
import { PaymentSimulator } from '../payments/payments.simulator.ts'
import { HoldsRepository } from './holds.repository.ts'
import { HoldsService } from './holds.service.ts'
import { OrdersRepository } from './orders.repository.ts'
import { OrdersService } from './orders.service.ts'
import { SalesMetrics } from './sales.metrics.ts'

declare module 'fastify' {
  interface FastifyInstance {
    holds: HoldsService
    orders: OrdersService
    payments: PaymentSimulator
    admissionTokens: AdmissionTokens
  }
}

/** The sales engine's services: holds, orders and payments; the hold sweeper runs in the worker role. */
export const salesPlugin = fp<{ config: Config; secret: string }>(
  async (app, { config, secret }) => {
    // The waiting room decorates this when it is present; the key is the same either way.
    if (!app.hasDecorator('admissionTokens'))
      app.decorate('admissionTokens', new AdmissionTokens(deriveKey(secret, 'admission-token')))

    const metrics = new SalesMetrics(app.metrics)
    const payments = new PaymentSimulator(
      deriveKey(secret, 'payment-webhook'),
      config.sales.paymentLateSuccessDelayMs,
    )
    const holds = new HoldsService(
      new HoldsRepository(app.database.db),
      app.events,
      app.admissionTokens,
      config.sales,
      metrics,
    )
    const admissions = app.hasDecorator('admissions')
      ? (app as unknown as { admissions: AdmissionRelease }).admissions
      : null
    const orders = new OrdersService(
      new OrdersRepository(app.database.db),
      payments,
      config.sales,
      metrics,
      admissions,
      app.log,
    )
    payments.connect(async (body, signature) => {
      await orders.applyWebhook(body, signature)
    })
    app.decorate('holds', holds)
    app.decorate('orders', orders)
    app.decorate('payments', payments)
    app.addHook('onClose', async () => payments.close())

    new Gauge({
      name: 'breakwater_event_remaining',
      help: 'Stock left on sale per event (capacity minus held and sold)',
      labelNames: ['event_id'],
      registers: [app.metrics],
      // Read from the database by each worker of a cluster: one figure, not a sum.
      aggregator: 'first',
      async collect() {
        const events = await app.events.list(200, 0).catch(() => [])
        this.reset()
        for (const event of events) this.set({ event_id: event.id }, event.remaining)
      },
    })

    if (config.role === 'worker' || config.role === 'all') {
      let timer: NodeJS.Timeout | null = null
      let sweeping: Promise<unknown> | null = null
      app.addHook('onReady', async () => {
        timer = setInterval(() => {
          if (sweeping) return
          sweeping = holds
            .sweep()
            .catch((error) => app.log.warn({ err: error }, 'hold sweep failed; will retry'))
            .finally(() => {
              sweeping = null
            })
        }, config.sales.holdSweepIntervalMs)
        timer.unref()
      })
      app.addHook('onClose', async () => {
        if (timer) clearInterval(timer)
        await sweeping
      })
    }
  },
  { name: 'sales', dependencies: ['database', 'events', 'metrics'] },
)
