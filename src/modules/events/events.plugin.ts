import fp from 'fastify-plugin'
import { EventsRepository } from './events.repository.ts'
import { EventsService } from './events.service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    events: EventsService
  }
}

/** The events service, shared by the routes, the seed command and later modules. */
export const eventsPlugin = fp(
  async (app) => {
    const { stock } = app
    const service = new EventsService(new EventsRepository(app.database.db), {
      open: (tx, eventId, capacity) => stock.open(tx, { kind: 'event', id: eventId, capacity }),
      remainingOf: (eventIds) => stock.remainingOf('event', eventIds),
    })
    app.decorate('events', service)
  },
  { name: 'events', dependencies: ['database', 'stock'] },
)
