import { Type } from 'typebox'

export const PublicUserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([Type.Literal('customer'), Type.Literal('admin')]),
  guest: Type.Boolean(),
  displayName: Type.Union([Type.String(), Type.Null()]),
})

export const SessionSchema = Type.Object({
  accessToken: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
  user: PublicUserSchema,
})

export const RegisterBodySchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 10, maxLength: 200 }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  },
  { additionalProperties: false },
)

export const LoginBodySchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
)
