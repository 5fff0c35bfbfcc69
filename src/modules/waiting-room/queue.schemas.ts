import { type Static, Type } from 'typebox'
import { SessionSchema } from '../accounts/accounts.schemas.ts'

export const QueueParamsSchema = Type.Object({ eventId: Type.String({ format: 'uuid' }) })

const RoomStateSchema = Type.Union([Type.Literal('open'), Type.Literal('paused'), Type.Literal('closed')])

const placeProperties = {
  number: Type.Integer({ minimum: 1 }),
  position: Type.Integer({
    minimum: 0,
    description:
      'Your place in the line: 1 is next (nobody ahead), 0 is called; never goes up. In a pre-queue awaiting its shuffle: how many share it.',
  }),
  servingNumber: Type.Integer({ minimum: 0 }),
  etaSeconds: Type.Integer({ minimum: 0 }),
  pollAfterMs: Type.Integer({ minimum: 0, description: 'Poll again after this long (jittered)' }),
  preQueue: Type.Boolean({
    description:
      'True before the opening of a sale that shuffles its pre-queue: your place is drawn at the opening',
  }),
  soldOut: Type.Boolean({
    description:
      'Nothing left to sell right now: nobody is called until stock comes back (a hold expires or is released)',
  }),
  stale: Type.Boolean({ description: 'True when this process could not refresh the frontier lately' }),
}

export const JoinQuerySchema = Type.Object({
  guest: Type.Optional(
    Type.Boolean({
      description:
        'Without an Authorization header: join as a new guest, whose session comes back with the ticket (one request instead of two for an arriving visitor)',
    }),
  ),
})

export const JoinResponseSchema = Type.Object({
  ticket: Type.String({ description: 'Send it as X-Queue-Ticket' }),
  session: Type.Optional(SessionSchema),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('admitted'), Type.Literal('closed')]),
  ...placeProperties,
})

export const StatusResponseSchema = Type.Object({
  state: Type.Union([Type.Literal('waiting'), Type.Literal('admitted'), Type.Literal('closed')]),
  ...placeProperties,
})

export const EnterResponseSchema = Type.Object({
  admissionToken: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
})

export const FrontierSchema = Type.Object({
  state: RoomStateSchema,
  servingNumber: Type.Integer({ minimum: 0 }),
  lastNumber: Type.Integer({ minimum: 0 }),
  waiting: Type.Integer({ minimum: 0 }),
  admissionRatePerSec: Type.Integer({ minimum: 0 }),
  maxActive: Type.Integer({ minimum: 0 }),
  active: Type.Integer({ minimum: 0 }),
  soldOut: Type.Boolean({ description: 'Nothing left to sell: admission waits for stock to come back' }),
  stale: Type.Boolean(),
})

export const PowChallengeSchema = Type.Object(
  {
    algorithm: Type.Literal('SHA-256'),
    challenge: Type.String({ description: 'SHA-256 (hex) of the salt followed by the secret number' }),
    maxnumber: Type.Integer({ minimum: 1, description: 'The secret number is below this: the difficulty' }),
    salt: Type.String({ description: 'Carries the event and the expiry; signed with the challenge' }),
    signature: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  {
    description:
      'An ALTCHA (v1) challenge. Find the number, then join with `X-Queue-Pow: base64(JSON {algorithm, challenge, number, salt, signature})`; one solution buys one join.',
  },
)

const PowModeSchema = Type.Union([Type.Literal('off'), Type.Literal('on'), Type.Literal('auto')], {
  description: 'Proof of work at join: never, always, or once joins per second pass a threshold',
})

export const ConfigureQueueBodySchema = Type.Object(
  {
    state: Type.Optional(RoomStateSchema),
    pow: Type.Optional(PowModeSchema),
    admissionRatePerSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    maxActive: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type ConfigureQueueBody = Static<typeof ConfigureQueueBodySchema>
