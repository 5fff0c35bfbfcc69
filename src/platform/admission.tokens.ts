import { randomUUID } from 'node:crypto'
import { errors, jwtVerify, SignJWT } from 'jose'
import { AppError } from './errors.catalogue.ts'

/**
 * Admission tokens: what the waiting room hands a served ticket holder, and what the sales engine
 * requires before a hold. Signed, bound to one user and one event, expiring.
 */
export interface Admission {
  /** Unique per admission; the waiting room counts it against `maxActive` until released or expired. */
  id: string
  eventId: string
  userId: string
  expiresAt: Date
}

/** Lets the sales engine hand an admission back to the waiting room when the order completes. */
export interface AdmissionRelease {
  release(admission: Pick<Admission, 'id' | 'eventId'>): Promise<void>
}

const issuer = 'breakwater'
const audience = 'breakwater:admission'

export class AdmissionTokens {
  constructor(
    private readonly key: Uint8Array,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async sign(input: {
    eventId: string
    userId: string
    ttlSeconds: number
  }): Promise<{ token: string; admission: Admission }> {
    const nowSeconds = Math.floor(this.now() / 1000)
    const admission: Admission = {
      id: randomUUID(),
      eventId: input.eventId,
      userId: input.userId,
      expiresAt: new Date((nowSeconds + input.ttlSeconds) * 1000),
    }
    const token = await new SignJWT({ ev: input.eventId })
      .setProtectedHeader({ alg: 'HS256' })
      .setJti(admission.id)
      .setSubject(input.userId)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + input.ttlSeconds)
      .sign(this.key)
    return { token, admission }
  }

  /** Verifies signature, expiry, and that the token was issued to this user for this event. */
  async verify(token: string, expected: { eventId: string; userId: string }): Promise<Admission> {
    let payload: Awaited<ReturnType<typeof jwtVerify>>['payload']
    // jose accepts base64url's spare trailing bits, so one signature could be spelt several ways.
    const signature = token.slice(token.lastIndexOf('.') + 1)
    if (Buffer.from(signature, 'base64url').toString('base64url') !== signature) {
      throw new AppError('BW_ADMISSION_INVALID', 'The admission token is invalid')
    }
    try {
      ;({ payload } = await jwtVerify(token, this.key, {
        issuer,
        audience,
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
      }))
    } catch (error) {
      const detail =
        error instanceof errors.JWTExpired
          ? 'The admission token has expired'
          : 'The admission token is invalid'
      throw new AppError('BW_ADMISSION_INVALID', detail)
    }
    if (
      typeof payload.jti !== 'string' ||
      typeof payload.sub !== 'string' ||
      typeof payload.ev !== 'string'
    ) {
      throw new AppError('BW_ADMISSION_INVALID')
    }
    if (payload.ev !== expected.eventId || payload.sub !== expected.userId) {
      throw new AppError('BW_ADMISSION_FOREIGN', 'The admission token belongs to another user or event')
    }
    return {
      id: payload.jti,
      eventId: payload.ev,
      userId: payload.sub,
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    }
  }
}
