import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { principalOf } from '../../platform/auth.plugin.ts'
import {
  ConfigureQueueBodySchema,
  EnterResponseSchema,
  FrontierSchema,
  JoinResponseSchema,
  QueueParamsSchema,
  StatusResponseSchema,
  TicketHeadersSchema,
} from './queue.schemas.ts'

/** The waiting room: join, status, enter, the public frontier and the operator's controls. */
export const queueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['waiting-room']
  const queue = app.waitingRoom.service

  app.post(
    '/api/v1/events/:eventId/queue/join',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Take a place in line; joining again returns the same ticket',
        security: [{ bearer: [] }],
        params: QueueParamsSchema,
        response: { 200: JoinResponseSchema, 201: JoinResponseSchema },
      },
    },
    async (request, reply) => {
      const { created, ...place } = await queue.join(request.params.eventId, principalOf(request).id)
      return reply.code(created ? 201 : 200).send(place)
    },
  )

  const statusDuration = app.waitingRoom.metrics.statusDuration
  app.get(
    '/api/v1/events/:eventId/queue/status',
    {
      // Polled by the whole crowd: logging every request would cost more than answering it.
      logLevel: 'warn',
      // A JSON answer to fetch(), never a document: helmet's dozen document headers cost more here
      // than they protect; nosniff, the one that matters for JSON, is set below.
      helmet: false,
      schema: {
        tags,
        summary: 'Where you stand; answered from memory, poll again after pollAfterMs',
        description:
          'Send the ticket from join as the `X-Queue-Ticket` header. The header is checked by the ticket verifier rather than by a header schema, which would cost more than the answer.',
        params: QueueParamsSchema,
        response: { 200: StatusResponseSchema },
      },
    },
    // Synchronous on purpose: nothing here waits, so no promise per poll.
    (request, reply) => {
      const stopTimer = statusDuration.startTimer()
      const header = request.headers['x-queue-ticket']
      const place = queue.status(request.params.eventId, typeof header === 'string' ? header : undefined)
      stopTimer()
      reply.header('x-content-type-options', 'nosniff').send(place)
    },
  )

  app.post(
    '/api/v1/events/:eventId/queue/enter',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Exchange a called ticket for an admission token',
        security: [{ bearer: [] }],
        params: QueueParamsSchema,
        headers: TicketHeadersSchema,
        response: { 200: EnterResponseSchema },
      },
    },
    async (request) =>
      queue.enter(request.params.eventId, principalOf(request).id, request.headers['x-queue-ticket']),
  )

  app.get(
    '/api/v1/events/:eventId/queue',
    {
      schema: {
        tags,
        summary: 'The public frontier: who is being served, how many wait; cacheable for 1 s',
        params: QueueParamsSchema,
        response: { 200: FrontierSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'public, max-age=1')
      return queue.frontier(request.params.eventId)
    },
  )

  app.patch(
    '/api/v1/events/:eventId/queue',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags,
        summary: 'Open, pause or close the room; change its rate and maxActive',
        security: [{ bearer: [] }],
        params: QueueParamsSchema,
        body: ConfigureQueueBodySchema,
        response: { 200: FrontierSchema },
      },
    },
    async (request) => queue.configure(request.params.eventId, request.body),
  )
}
