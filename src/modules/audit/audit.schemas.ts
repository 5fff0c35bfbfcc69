import { type Static, Type } from 'typebox'

const nullableString = Type.Union([Type.String(), Type.Null()])

export const AuditEntrySchema = Type.Object({
  id: Type.Integer({ description: 'Sequence number: the chain runs in this order' }),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    id: Type.Union([Type.String(), Type.Null()], { description: 'The account; null for a failed sign-in' }),
    role: nullableString,
    ip: nullableString,
  }),
  action: Type.String({ description: 'A dotted name: event.created, queue.paused, auth.login_failed' }),
  target: nullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  hash: Type.String({ description: 'sha256 of the previous hash and this entry' }),
})

export const AuditPageSchema = Type.Object({
  entries: Type.Array(AuditEntrySchema),
  next: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Pass as `after` for the next (older) page; null on the last one',
  }),
})

export const AuditQuerySchema = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'Entries older than this id',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    action: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 100,
        pattern: '^[a-z][a-z_]*(\\.[a-z][a-z_]*)*(\\.\\*)?$',
        description: 'One action (queue.paused), or every action under a prefix (queue.*)',
      }),
    ),
  },
  { additionalProperties: false },
)
export type AuditQuery = Static<typeof AuditQuerySchema>
