import { randomUUID } from 'node:crypto'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { AccessTokens, AccountRole, Principal } from '../../platform/security/access.tokens.ts'
import type { AccountStandings, Standing } from '../../platform/security/account.standing.ts'
import type { AccountsRepository } from './accounts.repository.ts'
import type { UserRow } from './accounts.tables.ts'
import type { LoginThrottle } from './login.throttle.ts'
import { decoyHash, type HashingSlots, passwordHasher } from './password.hasher.ts'
import { passwordProblem } from './password.policy.ts'

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
    /** Told of every change that ends an account's sessions, so this process refuses them at once. */
    private readonly standings: AccountStandings,
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
    assertAllowed(input.password, input.email)
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

  /** Signs out: every access token of the account stops working, on this process at once. */
  async logout(principal: Principal): Promise<void> {
    if (principal.guest)
      throw new AppError('BW_FORBIDDEN', 'A guest token names no account to sign out of; discard it')
    this.record(principal.id, await this.repository.revokeTokens(principal.id))
  }

  /** Makes the account a customer or an admin; its sessions end (they carry the old role). */
  async changeRole(userId: string, role: AccountRole): Promise<void> {
    this.recordChange(userId, await this.repository.setRole(userId, role))
  }

  /** Sets a new password; every session of the account ends. */
  async changePassword(userId: string, password: string): Promise<void> {
    const row = await this.repository.findById(userId)
    if (!row) throw new AppError('BW_NOT_FOUND', 'No such account')
    assertAllowed(password, row.email)
    const passwordHash = await this.hashing.run(() => passwordHasher.hash(password))
    this.recordChange(userId, await this.repository.setPasswordHash(userId, passwordHash))
  }

  /** Deletes the account; its tokens are refused from then on. */
  async deleteAccount(userId: string): Promise<void> {
    const deleted = await this.repository.delete(userId)
    this.standings.record(userId, null)
    if (!deleted) throw new AppError('BW_NOT_FOUND', 'No such account')
  }

  /**
   * Makes sure the configured admin exists with the configured password. An admin already so is
   * left alone, so that a restart (of every replica, in a rollout) does not end its sessions.
   */
  async bootstrapAdmin(email: string, password: string): Promise<PublicUser> {
    const existing = await this.repository.findByEmail(email.trim())
    if (existing?.role === 'admin' && (await passwordHasher.verify(password, existing.passwordHash)))
      return toPublicUser(existing)
    const row = await this.repository.upsertAdmin(email.trim(), await passwordHasher.hash(password))
    this.record(row.id, row)
    return toPublicUser(row)
  }

  private sessionForUser(row: UserRow): Promise<Session> {
    // The row was just read: as good a standing as any, and the next request need not read it again.
    this.record(row.id, row)
    return this.sessionFor(
      { id: row.id, role: row.role, guest: false, tokenVersion: row.tokenVersion },
      toPublicUser(row),
    )
  }

  private recordChange(userId: string, standing: Standing | undefined): void {
    this.record(userId, standing)
    if (!standing) throw new AppError('BW_NOT_FOUND', 'No such account')
  }

  private record(userId: string, standing: Standing | undefined): void {
    this.standings.record(
      userId,
      standing ? { tokenVersion: standing.tokenVersion, role: standing.role } : null,
    )
  }

  private async sessionFor(principal: Principal, user: PublicUser): Promise<Session> {
    const { token, expiresAt } = await this.tokens.sign(principal)
    return { accessToken: token, expiresAt: expiresAt.toISOString(), user }
  }
}

/** 400 naming the password field when the policy refuses it (checked before any hashing). */
function assertAllowed(password: string, email: string): void {
  const problem = passwordProblem(password, { email })
  if (problem)
    throw new AppError('BW_VALIDATION', `password ${problem}`, {
      errors: [{ field: 'password', in: 'body', message: problem }],
    })
}

function toPublicUser(row: UserRow): PublicUser {
  return { id: row.id, email: row.email, role: row.role, guest: false, displayName: row.displayName }
}
