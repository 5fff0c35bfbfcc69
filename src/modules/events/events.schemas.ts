import { type Static, Type } from 'typebox'

export const SeatMapSchema = Type.Object(
  {
    sections: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 40 }),
          rows: Type.Array(
            Type.Object(
              {
                name: Type.String({ minLength: 1, maxLength: 10 }),
                seats: Type.Integer({ minimum: 1, maximum: 500 }),
              },
              { additionalProperties: false },
            ),
            { minItems: 1, maxItems: 200 },
          ),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
)

const QueueStateSchema = Type.Union([Type.Literal('open'), Type.Literal('paused'), Type.Literal('closed')])

export const PowModeSchema = Type.Union([Type.Literal('off'), Type.Literal('on'), Type.Literal('auto')], {
  description:
    'Whether joining needs a solved proof-of-work challenge (X-Queue-Pow): never, always, or once joins per second pass a threshold',
})

export const QueueSettingsInputSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true })),
    admissionRatePerSec: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    maxActive: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    shuffleAtOpen: Type.Optional(Type.Boolean()),
    pow: Type.Optional(PowModeSchema),
  },
  { additionalProperties: false },
)

export const CreateEventBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    // Years PostgreSQL and JavaScript both represent, and a sale can plausibly open in.
    salesOpenAt: Type.String({
      format: 'date-time',
      formatMinimum: '2000-01-01T00:00:00Z',
      formatMaximum: '9999-12-31T23:59:59Z',
    }),
    capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    seatMap: Type.Optional(SeatMapSchema),
    priceCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    perUserLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    queue: Type.Optional(QueueSettingsInputSchema),
  },
  { additionalProperties: false },
)
export type CreateEventInput = Static<typeof CreateEventBodySchema>

export const EventSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  salesOpenAt: Type.String({ format: 'date-time' }),
  kind: Type.Union([Type.Literal('general'), Type.Literal('seated')]),
  capacity: Type.Integer(),
  remaining: Type.Integer(),
  seatMap: Type.Union([SeatMapSchema, Type.Null()]),
  priceCents: Type.Integer(),
  currency: Type.String(),
  perUserLimit: Type.Integer(),
  queue: Type.Object({
    enabled: Type.Boolean(),
    state: QueueStateSchema,
    admissionRatePerSec: Type.Integer(),
    maxActive: Type.Integer(),
    shuffleAtOpen: Type.Boolean(),
    pow: PowModeSchema,
  }),
  createdAt: Type.String({ format: 'date-time' }),
})
export type EventView = Static<typeof EventSchema>

export const EventParamsSchema = Type.Object({ eventId: Type.String({ format: 'uuid' }) })

export const ListEventsQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
})
