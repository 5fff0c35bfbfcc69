import { errors, jwtVerify, SignJWT } from 'jose'
import { AppError } from './errors.catalogue.ts'

export type AccountRole = 'customer' | 'admin'

/** Who a request acts for, as the access token says. */
export interface Principal {
  id: string
  role: AccountRole
  /** A guest has no account row: a cheap identity for a crowd. */
  guest: boolean
}

const issuer = 'breakwater'
const audience = 'breakwater:access'

/** Signs and verifies access tokens (HS256 JWTs with expiry). */
export class AccessTokens {
  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async sign(principal: Principal): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(this.now() / 1000)
    const token = await new SignJWT({ role: principal.role, guest: principal.guest || undefined })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.key)
    return { token, expiresAt: new Date((now + this.ttlSeconds) * 1000) }
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer,
        audience,
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
      })
      const role = payload.role
      if (typeof payload.sub !== 'string' || (role !== 'customer' && role !== 'admin')) {
        throw new AppError('BW_TOKEN_INVALID')
      }
      return { id: payload.sub, role, guest: payload.guest === true }
    } catch (error) {
      if (error instanceof AppError) throw error
      const detail = error instanceof errors.JWTExpired ? 'The access token has expired' : undefined
      throw new AppError('BW_TOKEN_INVALID', detail)
    }
  }
}
