import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SecurityLogPageSchema, SecurityLogQuerySchema } from './security.log.schemas.ts'

/** The security log for admins: one day's refusals and detect-mode hits, filtered, in keyset pages. */
export const securityLogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/admin/security-log',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags: ['admin'],
        summary: "One day's security log, in the order written, in keyset pages",
        description:
          'Entries in the shape of AWS WAF logs: one per request the shield refused (`BLOCK`) or would have in detect mode (`COUNT`). Filter by `action`, `rule` (a rule or rule group id) and `ip`; page on with `after` = the `next` of the page before.',
        security: [{ bearer: [] }],
        querystring: SecurityLogQuerySchema,
        response: { 200: SecurityLogPageSchema },
      },
    },
    async (request) => app.securityLog.query(request.query),
  )
}
