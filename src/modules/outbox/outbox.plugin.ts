import fp from 'fastify-plugin'
import type { Role } from '../../config.ts'
import { InProcessPublisher, OutboxRelay } from './outbox.relay.ts'

declare module 'fastify' {
  interface FastifyInstance {
    outbox: { relay: OutboxRelay; publisher: InProcessPublisher }
  }
}

/** The outbox relay; it runs in the worker role (and `all`). */
export const outboxPlugin = fp<{ role: Role; intervalMs?: number }>(
  async (app, { role, intervalMs = 200 }) => {
    // NATS JetStream publishing is not built yet: messages are delivered in process.
    const publisher = new InProcessPublisher()
    const relay = new OutboxRelay(app.database.db, publisher, (error) =>
      app.log.warn({ err: error }, 'outbox relay failed; will retry'),
    )
    app.decorate('outbox', { relay, publisher })
    if (role === 'worker' || role === 'all') {
      app.addHook('onReady', async () => relay.start(intervalMs))
      app.addHook('onClose', () => relay.stop())
    }
  },
  { name: 'outbox', dependencies: ['database'] },
)
