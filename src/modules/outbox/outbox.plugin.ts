import fp from 'fastify-plugin'
import type { Role } from '../../config.ts'
import { PeriodicTasks } from '../../platform/process/periodic.task.ts'
import { NatsPublisher } from './nats.publisher.ts'
import { InProcessPublisher, type OutboxPublisher, OutboxRelay } from './outbox.relay.ts'

declare module 'fastify' {
  interface FastifyInstance {
    outbox: { relay: OutboxRelay; publisher: InProcessPublisher }
  }
}

/** The outbox relay; it runs in the worker role (and `all`). */
export const outboxPlugin = fp<{ role: Role; natsUrl: string | null; intervalMs?: number }>(
  async (app, { role, natsUrl, intervalMs = 200 }) => {
    const publisher = new InProcessPublisher()
    const relays = role === 'worker' || role === 'all'
    // Only a relaying process talks to NATS; with no NATS_URL, messages stay in process.
    const nats = relays && natsUrl ? await NatsPublisher.connect(natsUrl) : null
    if (nats) app.addHook('onClose', () => nats.close())
    const target: OutboxPublisher = nats
      ? {
          async publish(message) {
            await nats.publish(message)
            await publisher.publish(message)
          },
        }
      : publisher
    const relay = new OutboxRelay(app.database.db, target)
    app.decorate('outbox', { relay, publisher })
    if (relays) {
      const tasks = new PeriodicTasks(app.log)
      app.addHook('onReady', async () => {
        tasks.start('outbox relay', intervalMs, () => relay.relayOnce())
      })
      app.addHook('onClose', () => tasks.stopAll())
    }
  },
  { name: 'outbox', dependencies: ['database'] },
)
