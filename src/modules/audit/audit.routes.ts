import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AuditPageSchema, AuditQuerySchema } from './audit.schemas.ts'

/** The audit log for admins, newest first. */
export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/admin/audit',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first, in keyset pages',
        description:
          'Admin actions, sign-ins, failed sign-ins and registrations. Page on with `after` = the `next` of the page before; `action` filters by one action or a prefix (`auth.*`).',
        security: [{ bearer: [] }],
        querystring: AuditQuerySchema,
        response: { 200: AuditPageSchema },
      },
    },
    async (request) => app.audit.page(request.query),
  )
}
