import { randomUUID } from 'node:crypto'
import { AppError } from '../http/errors.catalogue.ts'
import { JwtCodec, JwtRejected } from './jwt.codec.ts'

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

/** Signs admission tokens for the waiting room and verifies them for the sales engine. */
export class AdmissionTokens {
  private readonly codec: JwtCodec

  constructor(
    key: Uint8Array,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.codec = new JwtCodec(key, { issuer: 'breakwater', audience: 'breakwater:admission' }, now)
  }

  /**
   * A token for a new admission (a fresh id, `ttlSeconds` from now), or for one already granted
   * (`id` and `expiresAt` given): the same admission, signed again, never a second one.
   */
  async sign(
    input: { eventId: string; userId: string } & ({ ttlSeconds: number } | { id: string; expiresAt: Date }),
  ): Promise<{ token: string; admission: Admission }> {
    const id = 'id' in input ? input.id : randomUUID()
    const ttlSeconds =
      'ttlSeconds' in input
        ? input.ttlSeconds
        : Math.max(1, Math.ceil((input.expiresAt.getTime() - this.now()) / 1000))
    const { token, expiresAt } = this.codec.sign(
      { jti: id, sub: input.userId, ev: input.eventId },
      ttlSeconds,
    )
    return { token, admission: { id, eventId: input.eventId, userId: input.userId, expiresAt } }
  }

  /** Verifies signature, expiry, and that the token was issued to this user for this event. */
  async verify(token: string, expected: { eventId: string; userId: string }): Promise<Admission> {
    let payload: Record<string, unknown>
    try {
      payload = this.codec.verify(token)
    } catch (error) {
      if (!(error instanceof JwtRejected)) throw error
      const detail =
        error.reason === 'expired' ? 'The admission token has expired' : 'The admission token is invalid'
      throw new AppError('BW_ADMISSION_INVALID', detail)
    }
    const { jti, sub, ev, exp } = payload
    if (
      typeof jti !== 'string' ||
      typeof sub !== 'string' ||
      typeof ev !== 'string' ||
      typeof exp !== 'number'
    ) {
      throw new AppError('BW_ADMISSION_INVALID')
    }
    if (ev !== expected.eventId || sub !== expected.userId) {
      throw new AppError('BW_ADMISSION_FOREIGN', 'The admission token belongs to another user or event')
    }
    return { id: jti, eventId: ev, userId: sub, expiresAt: new Date(exp * 1000) }
  }
}
