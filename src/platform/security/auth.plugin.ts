import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError } from '../http/errors.catalogue.ts'
import { AccessTokens, type Principal } from './access.tokens.ts'
import { AccountStandings } from './account.standing.ts'
import { deriveKey } from './secrets.store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    accessTokens: AccessTokens
    /** Whether a token's account still exists with the token's version and role. */
    accountStandings: AccountStandings
    /**
     * onRequest: the request must carry a valid access token, of an account that still stands as it
     * says. The answer is marked `Cache-Control: no-store`: it is someone's own.
     */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** onRequest: the request must carry an admin's access token (as `authenticate`, and no-store). */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/**
 * Bearer access tokens: verifies them and guards routes for signed-in users and admins. The guards
 * also check the token's account (see `AccountStandings`); the crowd's routes (join, enter) take
 * `bearerPrincipal` alone, which reads nothing, and what they hand out is checked again by these
 * guards before anything is bought.
 */
export const authPlugin = fp<{ secret: string; accessTokenTtlSeconds: number }>(
  async (app, options) => {
    const tokens = new AccessTokens(deriveKey(options.secret, 'access-token'), options.accessTokenTtlSeconds)
    const standings = new AccountStandings()
    app.decorate('accessTokens', tokens)
    app.decorate('accountStandings', standings)
    app.decorateRequest('principal', null)

    const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
      // Set first, so that a refusal is not kept either.
      reply.header('cache-control', 'no-store')
      const principal = await bearerPrincipal(tokens, request.headers.authorization)
      await standings.confirm(principal)
      request.principal = principal
    }
    app.decorate('authenticate', authenticate)
    app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
      await authenticate(request, reply)
      if (request.principal?.role !== 'admin') throw new AppError('BW_FORBIDDEN', 'Only admins may do this')
    })
  },
  { name: 'auth' },
)

/** The principal an `Authorization: Bearer <accessToken>` header proves, or an AppError. */
export async function bearerPrincipal(tokens: AccessTokens, header: string | undefined): Promise<Principal> {
  if (!header) throw new AppError('BW_UNAUTHENTICATED', 'Send Authorization: Bearer <accessToken>')
  const [scheme, token] = header.split(' ')
  if (scheme?.toLowerCase() !== 'bearer' || !token) {
    throw new AppError('BW_UNAUTHENTICATED', 'The Authorization header must be "Bearer <accessToken>"')
  }
  return tokens.verify(token)
}

/** The principal of an authenticated request; call only behind `authenticate`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('BW_UNAUTHENTICATED')
  return request.principal
}
