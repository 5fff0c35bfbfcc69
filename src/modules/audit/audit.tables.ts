import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * What admins did and who signed in, one row per action, append-only: a trigger refuses UPDATE,
 * DELETE and TRUNCATE, and each row's `hash` covers the row and the `hash` of the one before it,
 * so a row removed or changed behind the trigger's back breaks the chain (`breakwater audit
 * verify`). Only audit.repository.ts writes rows here.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    // Who did it: an account (absent for a failed sign-in), its role then, and the client address.
    actorId: text('actor_id'),
    actorRole: text('actor_role'),
    actorIp: text('actor_ip'),
    // A dotted name: `event.created`, `queue.paused`, `auth.login_failed`.
    action: text('action').notNull(),
    // What it was done to: an event id, an account id, the email a sign-in named.
    target: text('target'),
    // Never a password, a token or a secret.
    details: jsonb('details').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [index('audit_log_action_idx').on(table.action, table.id)],
)

export type AuditRow = typeof auditLog.$inferSelect
