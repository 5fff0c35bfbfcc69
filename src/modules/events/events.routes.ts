import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
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
      schema: {
        tags,
        summary: 'Create an event: general admission (capacity) or seated (seatMap)',
        security: [{ bearer: [] }],
        body: CreateEventBodySchema,
        response: { 201: EventSchema },
      },
    },
    async (request, reply) => reply.code(201).send(await app.events.create(request.body)),
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
