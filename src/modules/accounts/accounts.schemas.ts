import { Type } from 'typebox'
import { passwordLength } from './password.policy.ts'

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

/**
 * Text PostgreSQL can store and that is Unicode: no NUL, no unpaired surrogate (the pattern runs
 * with Ajv's `u` flag, so a surrogate pair is one character and matches). Such input is a 400
 * naming its field, never a failed query.
 */
const storable = '^[^\\u0000\\ud800-\\udfff]*$'

export const RegisterBodySchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, pattern: storable }),
    password: Type.String({
      minLength: passwordLength.min,
      maxLength: passwordLength.max,
      pattern: storable,
      description: `At least ${passwordLength.min} and at most ${passwordLength.max} characters, any of them; not one of the commonest passwords, a few characters repeated or counted up, or little more than the email or the name of the service (400 BW_VALIDATION naming the field)`,
    }),
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 80, pattern: storable })),
  },
  { additionalProperties: false },
)

export const LoginBodySchema = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, pattern: storable }),
    // 200, not the 128 a new password may have: passwords set under the old limit still sign in.
    password: Type.String({ minLength: 1, maxLength: 200, pattern: storable }),
  },
  { additionalProperties: false },
)
