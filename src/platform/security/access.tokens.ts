import { AppError } from '../http/errors.catalogue.ts'
import { JwtCodec, JwtRejected } from './jwt.codec.ts'

export type AccountRole = 'customer' | 'admin'

/** Who a request acts for, as the access token says. */
export interface Principal {
  id: string
  role: AccountRole
  /** A guest has no account row: a cheap identity for a crowd. */
  guest: boolean
}

/** Signs and verifies access tokens (HS256 JWTs with expiry). */
export class AccessTokens {
  private readonly codec: JwtCodec

  constructor(
    key: Uint8Array,
    private readonly ttlSeconds: number,
    now: () => number = () => Date.now(),
  ) {
    this.codec = new JwtCodec(key, { issuer: 'breakwater', audience: 'breakwater:access' }, now)
  }

  async sign(principal: Principal): Promise<{ token: string; expiresAt: Date }> {
    return this.codec.sign(
      { sub: principal.id, role: principal.role, ...(principal.guest ? { guest: true } : {}) },
      this.ttlSeconds,
    )
  }

  async verify(token: string): Promise<Principal> {
    let payload: Record<string, unknown>
    try {
      payload = this.codec.verify(token)
    } catch (error) {
      if (!(error instanceof JwtRejected)) throw error
      throw new AppError(
        'BW_TOKEN_INVALID',
        error.reason === 'expired' ? 'The access token has expired' : undefined,
      )
    }
    const role = payload.role
    if (typeof payload.sub !== 'string' || (role !== 'customer' && role !== 'admin')) {
      throw new AppError('BW_TOKEN_INVALID')
    }
    return { id: payload.sub, role, guest: payload.guest === true }
  }
}
