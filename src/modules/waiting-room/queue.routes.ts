import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { laneAccepts, laneRoute } from '../../platform/http/crowd.lane.ts'
import { bearerPrincipal } from '../../platform/security/auth.plugin.ts'
import { actorOf } from '../audit/audit.plugin.ts'
import {
  ConfigureQueueBodySchema,
  EnterResponseSchema,
  FrontierSchema,
  JoinQuerySchema,
  JoinResponseSchema,
  PowChallengeSchema,
  QueueParamsSchema,
  StatusResponseSchema,
} from './queue.schemas.ts'

/** The `X-Queue-Ticket` header as text, for the ticket verifier to judge; a missing one is undefined. */
function ticketOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-queue-ticket']
  return typeof header === 'string' ? header : undefined
}

/** The `X-Queue-Pow` header: a solved challenge, checked only when the event asks for one. */
function powSolutionOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-queue-pow']
  return typeof header === 'string' ? header : undefined
}

/** The audit log's name for each room state an admin sets; a change of rate alone is `queue.configured`. */
const stateActions = { open: 'queue.opened', paused: 'queue.paused', closed: 'queue.closed' } as const

/** The waiting room: join, status, enter, the public frontier and the operator's controls. */
export const queueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['waiting-room']
  const queue = app.waitingRoom.service
  const pow = app.waitingRoom.pow

  app.get(
    '/api/v1/events/:eventId/queue/challenge',
    {
      logLevel: 'warn',
      schema: {
        tags,
        summary:
          'A proof-of-work challenge to join with, when the event or the current pressure asks for one',
        description:
          '`204` when joining needs no proof of work right now. Solve it, then send the solution as `X-Queue-Pow` on join; it expires in two minutes and is good for one join of this event.',
        params: QueueParamsSchema,
        response: { 200: PowChallengeSchema, 204: Type.Null({ description: 'No proof of work needed' }) },
      },
    },
    async (request, reply) => {
      const { eventId } = request.params
      const settings = await queue.assertJoinable(eventId)
      const challenge = await pow.challenge(eventId, settings.pow)
      reply.header('cache-control', 'no-store')
      if (!challenge) return reply.code(204).send(null)
      return challenge
    },
  )

  // Join and status are the crowd's routes: served by the crowd's lane, and by Fastify for the rest.
  laneRoute(app, {
    method: 'POST',
    url: '/api/v1/events/:eventId/queue/join',
    routeClass: 'join',
    accepts: laneAccepts.uuid('eventId', ['guest']),
    options: {
      // The crowd's arrivals: counted by the metrics, not logged one by one.
      logLevel: 'warn',
      schema: {
        tags,
        summary: 'Take a place in line; joining again returns the same ticket',
        description:
          'When the event asks for proof of work (see `GET …/queue/challenge`), send the solution as `X-Queue-Pow`: without one the answer is `428 BW_POW_REQUIRED`, with a wrong, expired, spent or foreign one `403 BW_POW_INVALID`; both name the `challengeUrl`.',
        security: [{ bearer: [] }, {}],
        params: QueueParamsSchema,
        querystring: JoinQuerySchema,
        response: { 200: JoinResponseSchema, 201: JoinResponseSchema },
      },
    },
    handler: async (request) => {
      const eventId = request.params.eventId as string
      const { authorization } = request.headers
      // The lane hands the flag over as text, Fastify as the boolean its schema made of it.
      const asGuest = !authorization && String(request.query.guest) === 'true'
      // The event and the proof of work are checked before a guest is made, so a refused join
      // costs no identity.
      const joinable = await queue.assertJoinable(eventId)
      try {
        await pow.check(eventId, joinable.pow, powSolutionOf(request.headers))
      } catch (error) {
        app.securityLog.refusal({ ...request, method: 'POST' }, error, 'proof-of-work')
        throw error
      }
      const session = asGuest ? await app.accounts.guest() : undefined
      const userId = session?.user.id ?? (await bearerPrincipal(app.accessTokens, authorization)).id
      const { created, ...place } = await queue.join(eventId, userId, joinable)
      return { status: created ? 201 : 200, body: session ? { ...place, session } : place }
    },
  })

  const statusDuration = app.waitingRoom.metrics.statusDuration
  laneRoute(app, {
    method: 'GET',
    url: '/api/v1/events/:eventId/queue/status',
    routeClass: 'status',
    accepts: laneAccepts.uuid('eventId'),
    options: {
      // Polled by the whole crowd: logging every request would cost more than answering it.
      logLevel: 'warn',
      // A JSON answer to fetch(), never a document: helmet's dozen document headers cost more here
      // than they protect; nosniff, the one that matters for JSON, is always set.
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
    handler: (request) => {
      const stopTimer = statusDuration.startTimer()
      const place = queue.status(request.params.eventId as string, ticketOf(request.headers))
      stopTimer()
      return { status: 200, body: place }
    },
  })

  // Every called user enters, at the admission rate, for the whole sale: a crowd's route too.
  laneRoute(app, {
    method: 'POST',
    url: '/api/v1/events/:eventId/queue/enter',
    routeClass: 'enter',
    accepts: laneAccepts.uuid('eventId'),
    options: {
      logLevel: 'warn',
      schema: {
        tags,
        summary: 'Exchange a called ticket for an admission token',
        description:
          'Send the ticket from join as the `X-Queue-Ticket` header; the ticket verifier checks it, as on status.',
        security: [{ bearer: [] }],
        params: QueueParamsSchema,
        response: { 200: EnterResponseSchema },
      },
    },
    handler: async (request) => {
      const principal = await bearerPrincipal(app.accessTokens, request.headers.authorization)
      const entered = await queue.enter(
        request.params.eventId as string,
        principal.id,
        ticketOf(request.headers),
      )
      return { status: 200, body: entered }
    },
  })

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
    async (request) => {
      const frontier = await queue.configure(request.params.eventId, request.body)
      const { state } = request.body
      await app.audit.record({
        actor: actorOf(request),
        action: state ? stateActions[state] : 'queue.configured',
        target: request.params.eventId,
        details: request.body,
      })
      return frontier
    },
  )
}
