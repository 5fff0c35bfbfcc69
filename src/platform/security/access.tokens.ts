import { AppError } from '../http/errors.catalogue.ts'
import { JwtCodec, JwtRejected } from './jwt.codec.ts'

export type AccountRole = 'customer' | 'admin'

/** Who a request acts for, as the access token says. */
export interface Principal {
  id: string
  role: AccountRole
  /** A guest has no account row: a cheap identity for a crowd. */
  guest: boolean
  /**
   * The account's token version when the token was signed (see `AccountStandings`); absent for a
   * guest, which has no account to revoke. A token signed before versions existed counts as 0.
   */
  tokenVersion?: number
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
      {
        sub: principal.id,
        role: principal.role,
        ...(principal.guest ? { guest: true } : { ver: principal.tokenVersion ?? 0 }),
      },
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
    const { role, ver } = payload
    if (
      typeof payload.sub !== 'string' ||
      (role !== 'customer' && role !== 'admin') ||
      (ver !== undefined && !Number.isSafeInteger(ver))
    ) {
      throw new AppError('BW_TOKEN_INVALID')
    }
    if (payload.guest === true) return { id: payload.sub, role, guest: true }
    return { id: payload.sub, role, guest: false, tokenVersion: (ver as number | undefined) ?? 0 }
  }

  /**
   * The account a valid `Authorization: Bearer` header is for, or null, without a promise: what
   * the request gate counts a signed-in request's per-account limits under.
   */
  accountOf(header: string | undefined): string | null {
    if (header === undefined || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ')
      return null
    try {
      const { sub } = this.codec.verify(header.slice(7))
      return typeof sub === 'string' ? sub : null
    } catch {
      return null
    }
  }
}
