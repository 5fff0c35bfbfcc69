import { AppError } from '../http/errors.catalogue.ts'
import type { AccountRole, Principal } from './access.tokens.ts'

/** What an account's access tokens must agree with: its token version and its role now. */
export interface Standing {
  tokenVersion: number
  role: AccountRole
}

/** Reads an account's standing from the system of record; undefined when there is no such account. */
export type StandingSource = (userId: string) => Promise<Standing | undefined>

/**
 * How long this process trusts a standing it read, and how many it keeps.
 * The one read longest ago goes first; 10,000 entries are about a megabyte.
 */
export const standingCache = { ttlMs: 5_000, maxEntries: 10_000 } as const

interface Entry {
  /** null: the account is gone. */
  standing: Standing | null
  until: number
}

/**
 * Whether the account an access token names still stands as the token says: it exists, with the
 * token's version and role. Checked on every route behind `authenticate`, so an account is read at
 * most once per `ttlMs` per process, and guests (who have no account) never.
 *
 * A change made through this process (`record`) takes effect here at once. On other replicas it is
 * seen when their entry for the account expires: each re-reads an account at most `ttlMs` (5 s)
 * after it last read it, so a revoked token is refused on every replica within 5 s of the change.
 * The other way round needs no wait: a token newer than the version a replica holds makes it read
 * again, so signing in afresh after a change is never refused for a stale entry.
 */
export class AccountStandings {
  private source: StandingSource | null = null
  private readonly entries = new Map<string, Entry>()
  private readonly reading = new Map<string, Promise<Standing | null>>()

  constructor(
    private readonly options: { ttlMs: number; maxEntries: number } = standingCache,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** Where standings are read from: the accounts module, which owns the accounts. */
  readFrom(source: StandingSource): void {
    this.source = source
  }

  /** Refuses with 401 `BW_TOKEN_INVALID` a principal whose account is gone or has moved on since its token. */
  async confirm(principal: Principal): Promise<void> {
    if (principal.guest) return
    const version = principal.tokenVersion ?? 0
    let standing = await this.of(principal.id, false)
    if (standing !== null && standing.tokenVersion < version) standing = await this.of(principal.id, true)
    if (standing === null)
      throw new AppError('BW_TOKEN_INVALID', 'The account of this access token no longer exists')
    if (standing.tokenVersion !== version || standing.role !== principal.role)
      throw new AppError('BW_TOKEN_INVALID', 'This access token was revoked; sign in again')
  }

  /** The account's standing changed (null: it was deleted), as this process's own write says. */
  record(userId: string, standing: Standing | null): void {
    this.keep(userId, standing)
  }

  private of(userId: string, fresh: boolean): Promise<Standing | null> {
    const entry = this.entries.get(userId)
    if (!fresh && entry && entry.until > this.clock()) return Promise.resolve(entry.standing)
    let pending = this.reading.get(userId)
    if (!pending) {
      pending = this.read(userId).finally(() => this.reading.delete(userId))
      this.reading.set(userId, pending)
    }
    return pending
  }

  private async read(userId: string): Promise<Standing | null> {
    if (!this.source) throw new Error('account standings have no source: the accounts plugin provides it')
    return this.keep(userId, (await this.source(userId)) ?? null)
  }

  /**
   * Keeps the newer of a live entry and `standing`: versions only grow and a deleted account never
   * comes back, so a read that was under way while this process recorded a change cannot undo it.
   */
  private keep(userId: string, standing: Standing | null): Standing | null {
    const now = this.clock()
    const known = this.entries.get(userId)
    const kept =
      known && known.until > now && rank(known.standing) > rank(standing) ? known.standing : standing
    this.entries.delete(userId)
    if (this.entries.size >= this.options.maxEntries) {
      const idlest = this.entries.keys().next()
      if (!idlest.done) this.entries.delete(idlest.value)
    }
    this.entries.set(userId, { standing: kept, until: now + this.options.ttlMs })
    return kept
  }
}

function rank(standing: Standing | null): number {
  return standing === null ? Number.POSITIVE_INFINITY : standing.tokenVersion
}
