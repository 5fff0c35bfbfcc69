import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

/** The payment provider's signed callbacks. */
export const paymentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // The signature covers the exact bytes sent, so this route keeps the body as a string.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  )
  app.post(
    '/api/v1/payments/webhook',
    {
      schema: {
        tags: ['sales'],
        summary: "The payment simulator's signed webhooks (header X-Breakwater-Signature)",
        headers: Type.Object({ 'x-breakwater-signature': Type.Optional(Type.String({ maxLength: 200 })) }),
        response: { 200: Type.Object({ applied: Type.Boolean() }) },
      },
    },
    async (request) =>
      app.payments.receive(String(request.body ?? ''), request.headers['x-breakwater-signature']),
  )
}
