import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { principalOf } from '../../platform/security/auth.plugin.ts'
import {
  CreateHoldBodySchema,
  EventParamsSchema,
  HoldParamsSchema,
  HoldSchema,
  SeatsSchema,
} from './sales.schemas.ts'

/** Seats and holds: see what is free, reserve it for a while, let it go. */
export const holdsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['sales']
  app.get(
    '/api/v1/events/:eventId/seats',
    {
      schema: {
        tags,
        summary: "A seated event's seats and whether each is available, held or sold",
        params: EventParamsSchema,
        response: { 200: SeatsSchema },
      },
    },
    async (request) => ({ seats: await app.holds.seats(request.params.eventId) }),
  )
  app.post(
    '/api/v1/events/:eventId/holds',
    {
      config: { gate: 'holds' },
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Hold a quantity (general admission) or named seats for a limited time',
        description:
          'Needs X-Admission-Token from the waiting room when the event has its queue enabled. Sold out: 409 BW_SOLD_OUT.',
        security: [{ bearer: [] }],
        params: EventParamsSchema,
        headers: Type.Object({ 'x-admission-token': Type.Optional(Type.String({ maxLength: 2000 })) }),
        body: CreateHoldBodySchema,
        response: { 201: HoldSchema },
      },
    },
    async (request, reply) => {
      const hold = await app.holds.create(
        request.params.eventId,
        principalOf(request).id,
        request.body,
        request.headers['x-admission-token'],
      )
      return reply.code(201).send(hold)
    },
  )
  app.delete(
    '/api/v1/holds/:holdId',
    {
      config: { gate: 'holds' },
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Release a hold; its stock goes back on sale',
        security: [{ bearer: [] }],
        params: HoldParamsSchema,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      await app.holds.release(request.params.holdId, principalOf(request).id)
      return reply.code(204).send(null)
    },
  )
}
