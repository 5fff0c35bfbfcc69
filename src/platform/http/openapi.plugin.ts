import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/**
 * swagger-ui's own policy (its scripts, hashed), with two changes so that /docs works wherever the
 * server is reached: no `upgrade-insecure-requests`, which sends every asset to https and breaks the
 * page served over plain http by any name but localhost; and inline styles, which its renderer sets.
 */
function docsPolicy(header: string): string {
  return header
    .split(';')
    .map((directive) => directive.trim())
    .filter((directive) => directive !== '' && directive !== 'upgrade-insecure-requests')
    .map((directive) => (directive.startsWith('style-src ') ? `${directive} 'unsafe-inline'` : directive))
    .join('; ')
}

/**
 * The OpenAPI document, built from the routes' schemas (`app.swagger()`, which `breakwater openapi`
 * writes out); served at `/openapi.json` and browsable at `/docs` only when `browsable`
 * (`DOCS_ENABLED=true`), since a server on the internet need not hand out a map of itself.
 */
export const openapiPlugin = fp<{ version: string; browsable: boolean }>(
  async (app, { version, browsable }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Breakwater API',
          version,
          description:
            'Waiting room and sales engine. Errors are RFC 9457 problem details (application/problem+json) with a stable `code`.',
        },
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        tags: [
          { name: 'accounts', description: 'Guests, accounts and sign-in' },
          { name: 'events', description: 'Events on sale' },
          { name: 'sales', description: 'Seats, holds, orders and payments' },
          { name: 'waiting-room', description: 'Join the line, poll your place, enter the shop' },
          { name: 'operations', description: 'Health and readiness' },
        ],
      },
    })
    if (!browsable) return
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: docsPolicy })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'openapi' },
)
