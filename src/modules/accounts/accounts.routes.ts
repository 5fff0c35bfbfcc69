import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { addressKey } from '../../platform/http/client.address.ts'
import { laneAccepts, laneRoute } from '../../platform/http/crowd.lane.ts'
import { principalOf } from '../../platform/security/auth.plugin.ts'
import { actorOf } from '../audit/audit.plugin.ts'
import { LoginBodySchema, PublicUserSchema, RegisterBodySchema, SessionSchema } from './accounts.schemas.ts'

/** A session (a token, an email) is no cache's to keep; the signed-in routes get this from `authenticate`. */
async function noStore(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('cache-control', 'no-store')
}

/** Guests, registration, sign-in and out, and `GET /me`. */
export const accountsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['accounts']
  // The crowd's first request, so it is served by the crowd's lane too.
  laneRoute(app, {
    method: 'POST',
    url: '/api/v1/auth/guest',
    routeClass: 'guest',
    accepts: laneAccepts.any,
    options: {
      logLevel: 'warn',
      schema: {
        tags,
        summary: 'A cheap guest identity (no password, no account row)',
        response: { 201: SessionSchema },
      },
    },
    handler: async () => ({ status: 201, body: await app.accounts.guest() }),
  })
  app.post(
    '/api/v1/auth/register',
    {
      // Limited per address by the request gate: each one costs a password hash. A password is only
      // ever hashed, and may be any characters, so inspection leaves it alone.
      config: { gate: 'auth', inspection: { opaque: ['password'] } },
      onRequest: noStore,
      schema: {
        tags,
        summary: 'Create a customer account',
        body: RegisterBodySchema,
        response: { 201: SessionSchema },
      },
    },
    async (request, reply) => {
      const session = await app.accounts.register(request.body)
      await app.audit.record({
        actor: actorOf(request, session.user),
        action: 'auth.registered',
        target: session.user.id,
      })
      return reply.code(201).send(session)
    },
  )
  app.post(
    '/api/v1/auth/login',
    {
      config: { gate: 'auth', inspection: { opaque: ['password'] } },
      onRequest: noStore,
      schema: {
        tags,
        summary: 'Sign in with email and password',
        description:
          'Limited per client address (RATE_LIMIT_LOGIN_PER_MINUTE) and per account (failed attempts: 5 at once from one address, then one a minute; 20 from all addresses, then one every 5 minutes): 429 BW_RATE_LIMITED with Retry-After. 503 BW_BUSY with Retry-After when too many passwords are being checked at once.',
        body: LoginBodySchema,
        response: { 200: SessionSchema },
      },
    },
    async (request) => {
      const email = request.body.email.trim().toLowerCase()
      const session = await app.accounts
        .login(request.body, addressKey(app.clientAddresses.of(request.raw)))
        .catch(async (error) => {
          if (error?.code === 'BW_BAD_CREDENTIALS')
            await app.audit.record({ actor: actorOf(request), action: 'auth.login_failed', target: email })
          throw error
        })
      await app.audit.record({
        actor: actorOf(request, session.user),
        action: 'auth.login',
        target: session.user.id,
      })
      return session
    },
  )
  app.post(
    '/api/v1/auth/logout',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'Sign out: every access token of the account stops working',
        description:
          "Ends all of the account's sessions, on every device. A guest token names no account and cannot be revoked (403 BW_FORBIDDEN): discard it.",
        security: [{ bearer: [] }],
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      await app.accounts.logout(principal)
      await app.audit.record({ actor: actorOf(request), action: 'auth.logout', target: principal.id })
      return reply.code(204).send(null)
    },
  )
  app.get(
    '/api/v1/me',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        summary: 'The signed-in user',
        security: [{ bearer: [] }],
        response: { 200: PublicUserSchema },
      },
    },
    async (request) => app.accounts.me(principalOf(request)),
  )
}
