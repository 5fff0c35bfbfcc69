import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AuditRepository } from './audit.repository.ts'
import { type AuditActor, AuditLog } from './audit.service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The audit log: `app.audit.record({ actor: actorOf(request), action, target, details })`. */
    audit: AuditLog
  }
}

/** The audit log, shared by every module's routes and by `breakwater audit verify`. */
export const auditPlugin = fp<{ serialiseAppends?: boolean }>(
  async (app, { serialiseAppends = true }) => {
    app.decorate('audit', new AuditLog(new AuditRepository(app.database.db, serialiseAppends)))
  },
  { name: 'audit', dependencies: ['database'], decorators: { fastify: ['clientAddresses'] } },
)

/**
 * Who sent a request, for the audit log: the signed-in principal (or `who`, when the request
 * itself signed someone in) and the client address as the request gate sees it.
 */
export function actorOf(request: FastifyRequest, who?: { id: string; role: string }): AuditActor {
  const principal = who ?? request.principal
  return {
    id: principal?.id ?? null,
    role: principal?.role ?? null,
    ip: request.server.clientAddresses.of(request.raw),
  }
}
