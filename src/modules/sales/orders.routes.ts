import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { principalOf } from '../../platform/security/auth.plugin.ts'
import {
  CreateOrderBodySchema,
  IdempotencyHeadersSchema,
  OrderParamsSchema,
  OrderSchema,
} from './sales.schemas.ts'

/** Orders: check out a hold (idempotently) and read one's own orders. */
export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['sales']
  app.post(
    '/api/v1/orders',
    {
      config: { gate: 'orders' },
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Order a hold and pay for it',
        description:
          'Idempotency-Key is required (keys are per user and kept for IDEMPOTENCY_KEY_TTL_SECONDS, 24 h by default): ' +
          'the same key and body replays the first response; while the first is running 409; another body 422.',
        security: [{ bearer: [] }],
        headers: IdempotencyHeadersSchema,
        body: CreateOrderBodySchema,
        response: { 201: OrderSchema },
      },
    },
    async (request, reply) => {
      const result = await app.orders.create(
        principalOf(request).id,
        request.headers['idempotency-key'],
        request.body,
      )
      if (result.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(201).send(result.body)
    },
  )
  app.get(
    '/api/v1/orders',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Your orders, newest first',
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ orders: Type.Array(OrderSchema) }) },
      },
    },
    async (request) => ({ orders: await app.orders.list(principalOf(request).id) }),
  )
  app.get(
    '/api/v1/events/:eventId/orders',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags,
        summary: "An event's orders, newest first (admin)",
        security: [{ bearer: [] }],
        params: Type.Object({ eventId: Type.String({ format: 'uuid' }) }),
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
        }),
        response: { 200: Type.Object({ orders: Type.Array(OrderSchema) }) },
      },
    },
    async (request) => ({
      orders: await app.orders.listForEvent(request.params.eventId, request.query.limit),
    }),
  )
  app.get(
    '/api/v1/orders/:orderId',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'One of your orders',
        security: [{ bearer: [] }],
        params: OrderParamsSchema,
        response: { 200: OrderSchema },
      },
    },
    async (request) => app.orders.get(request.params.orderId, principalOf(request).id),
  )
}
