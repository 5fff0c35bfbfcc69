import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { actorOf } from '../audit/audit.plugin.ts'
import {
  CreateEventBodySchema,
  EventParamsSchema,
  EventSchema,
  ListEventsQuerySchema,
} from './events.schemas.ts'

/** Events: create (admin), list, detail. */
export const eventsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['events']
  app.post(
    '/api/v1/events',
    {
      onRequest: app.requireAdmin,
      // The description is prose, written and read by people: no SQLi/XSS prose checks on it.
      config: { inspection: { prose: ['description'] } },
      schema: {
        tags,
        summary: 'Create an event: general admission (capacity) or seated (seatMap)',
        security: [{ bearer: [] }],
        body: CreateEventBodySchema,
        response: { 201: EventSchema },
      },
    },
    async (request, reply) => {
      const event = await app.events.create(request.body)
      // What was asked for, but a seat map only by its size.
      const { seatMap, ...asked } = request.body
      await app.audit.record({
        actor: actorOf(request),
        action: 'event.created',
        target: event.id,
        details: { ...asked, capacity: event.capacity, seated: seatMap !== undefined },
      })
      return reply.code(201).send(event)
    },
  )
  app.get(
    '/api/v1/events',
    {
      schema: {
        tags,
        summary: 'Events by sales opening time',
        querystring: ListEventsQuerySchema,
        response: { 200: Type.Object({ events: Type.Array(EventSchema) }) },
      },
    },
    async (request) => ({ events: await app.events.list(request.query.limit, request.query.offset) }),
  )
  app.get(
    '/api/v1/events/:eventId',
    {
      schema: {
        tags,
        summary: 'One event with its remaining stock',
        params: EventParamsSchema,
        response: { 200: EventSchema },
      },
    },
    async (request) => app.events.get(request.params.eventId),
  )
}
