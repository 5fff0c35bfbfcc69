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
    app.decorate('events', new EventsService(new EventsRepository(app.database.db)))
  },
  { name: 'events', dependencies: ['database'] },
)
