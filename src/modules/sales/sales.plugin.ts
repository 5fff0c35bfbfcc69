import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import type { Config } from '../../config.ts'
import { PeriodicTasks } from '../../platform/process/periodic.task.ts'
import { HoldsRepository } from './holds.repository.ts'
import { HoldsService } from './holds.service.ts'
import { OrdersRepository } from './orders.repository.ts'
import { OrdersService } from './orders.service.ts'
import { SalesMetrics } from './sales.metrics.ts'

declare module 'fastify' {
  interface FastifyInstance {
    holds: HoldsService
    orders: OrdersService
  }
}

/** The sales engine's services: holds and orders; the hold sweeper runs in the worker role. */
export const salesPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const metrics = new SalesMetrics(app.metrics)
    const holds = new HoldsService(
      new HoldsRepository(app.database.db),
      app.events,
      app.admissions.tokens,
      config.sales,
      metrics,
    )
    const orders = new OrdersService(
      new OrdersRepository(app.database.db),
      app.payments.provider,
      config.sales,
      metrics,
      app.admissions,
      app.log,
    )
    app.payments.consume((webhook) => orders.applyWebhook(webhook))
    app.decorate('holds', holds)
    app.decorate('orders', orders)

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
      const tasks = new PeriodicTasks(app.log)
      app.addHook('onReady', async () => {
        tasks.start('hold sweep', config.sales.holdSweepIntervalMs, () => holds.sweep())
      })
      app.addHook('onClose', () => tasks.stopAll())
    }
  },
  { name: 'sales', dependencies: ['admission', 'database', 'events', 'metrics', 'payments'] },
)
