import { type Static, Type } from 'typebox'

export const EventParamsSchema = Type.Object({ eventId: Type.String({ format: 'uuid' }) })
export const HoldParamsSchema = Type.Object({ holdId: Type.String({ format: 'uuid' }) })
export const OrderParamsSchema = Type.Object({ orderId: Type.String({ format: 'uuid' }) })

export const SeatsSchema = Type.Object({
  seats: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      section: Type.String(),
      row: Type.String(),
      number: Type.Integer(),
      state: Type.Union([Type.Literal('available'), Type.Literal('held'), Type.Literal('sold')]),
    }),
  ),
})

export const CreateHoldBodySchema = Type.Union([
  Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: 100 }) }, { additionalProperties: false }),
  Type.Object(
    {
      seatIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 100, uniqueItems: true }),
    },
    { additionalProperties: false },
  ),
])
export type CreateHoldInput = Static<typeof CreateHoldBodySchema>

export const HoldSchema = Type.Object({
  holdId: Type.String({ format: 'uuid' }),
  eventId: Type.String({ format: 'uuid' }),
  quantity: Type.Integer(),
  seatIds: Type.Array(Type.String({ format: 'uuid' })),
  expiresAt: Type.String({ format: 'date-time' }),
})
export type HoldView = Static<typeof HoldSchema>

export const CreateOrderBodySchema = Type.Object(
  {
    holdId: Type.String({ format: 'uuid' }),
    paymentToken: Type.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
)
export type CreateOrderInput = Static<typeof CreateOrderBodySchema>

export const OrderSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  eventId: Type.String({ format: 'uuid' }),
  holdId: Type.String({ format: 'uuid' }),
  quantity: Type.Integer(),
  amountCents: Type.Integer(),
  currency: Type.String(),
  status: Type.Union([
    Type.Literal('pending_payment'),
    Type.Literal('paid'),
    Type.Literal('payment_failed'),
    Type.Literal('expired'),
    Type.Literal('refunded'),
  ]),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type OrderView = Static<typeof OrderSchema>

export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
})
