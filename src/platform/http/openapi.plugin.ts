import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/** The OpenAPI document at `/openapi.json`, built from the routes' schemas, and a browsable `/docs`. */
export const openapiPlugin = fp<{ version: string }>(
  async (app, { version }) => {
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
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true })
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  },
  { name: 'openapi' },
)
