import { randomUUID } from 'node:crypto'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { AccessTokens, Principal } from '../../platform/security/access.tokens.ts'
import type { AccountsRepository } from './accounts.repository.ts'
import type { UserRow } from './accounts.tables.ts'
import type { LoginThrottle } from './login.throttle.ts'
import { decoyHash, type HashingSlots, passwordHasher } from './password.hasher.ts'

export interface PublicUser {
  id: string
  email: string | null
  role: 'customer' | 'admin'
  guest: boolean
  displayName: string | null
}

export interface Session {
  accessToken: string
  expiresAt: string
  user: PublicUser
}

/** Guests, accounts and sign-in. */
export class AccountsService {
  constructor(
    private readonly repository: AccountsRepository,
    private readonly tokens: AccessTokens,
    /** Bounds the password hashes that sign-ins and registrations compute at once. */
    private readonly hashing: HashingSlots,
    private readonly throttle: LoginThrottle,
  ) {}

  /** A guest needs no row: the signed token is the whole identity, so a crowd costs no writes. */
  async guest(): Promise<Session> {
    const principal: Principal = { id: randomUUID(), role: 'customer', guest: true }
    return this.sessionFor(principal, {
      id: principal.id,
      email: null,
      role: 'customer',
      guest: true,
      displayName: null,
    })
  }

  async register(input: { email: string; password: string; displayName?: string }): Promise<Session> {
    const passwordHash = await this.hashing.run(() => passwordHasher.hash(input.password))
    const row = await this.repository.insert({
      email: input.email.trim(),
      passwordHash,
      role: 'customer',
      displayName: input.displayName?.trim() || null,
    })
    if (!row) throw new AppError('BW_EMAIL_TAKEN')
    return this.sessionForUser(row)
  }

  /** Signs in; `from` is the client's address key, for the per-account limits. */
  async login(input: { email: string; password: string }, from: string): Promise<Session> {
    const email = input.email.trim()
    const refund = this.throttle.attempt(email, from)
    let wrong = false
    try {
      // The lookup takes the slot too: a sign-in refused for being one too many costs no query.
      const row = await this.hashing.run(async () => {
        const found = await this.repository.findByEmail(email)
        const valid = await passwordHasher.verify(input.password, found?.passwordHash ?? (await decoyHash))
        return valid ? found : undefined
      })
      if (!row) {
        wrong = true
        throw new AppError('BW_BAD_CREDENTIALS')
      }
      return await this.sessionForUser(row)
    } finally {
      // Only a wrong password counts: not a right one, nor one the server was too busy to check.
      if (!wrong) refund()
    }
  }

  async me(principal: Principal): Promise<PublicUser> {
    if (principal.guest)
      return { id: principal.id, email: null, role: principal.role, guest: true, displayName: null }
    const row = await this.repository.findById(principal.id)
    if (!row) throw new AppError('BW_TOKEN_INVALID', 'The account of this token no longer exists')
    return toPublicUser(row)
  }

  /** Makes sure the configured admin exists with the configured password. */
  async bootstrapAdmin(email: string, password: string): Promise<PublicUser> {
    const row = await this.repository.upsertAdmin(email.trim(), await passwordHasher.hash(password))
    return toPublicUser(row)
  }

  private sessionForUser(row: UserRow): Promise<Session> {
    return this.sessionFor({ id: row.id, role: row.role, guest: false }, toPublicUser(row))
  }

  private async sessionFor(principal: Principal, user: PublicUser): Promise<Session> {
    const { token, expiresAt } = await this.tokens.sign(principal)
    return { accessToken: token, expiresAt: expiresAt.toISOString(), user }
  }
}

function toPublicUser(row: UserRow): PublicUser {
  return { id: row.id, email: row.email, role: row.role, guest: false, displayName: row.displayName }
}
