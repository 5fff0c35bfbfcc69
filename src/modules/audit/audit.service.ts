import { type ChainBreak, ChainWalker } from './audit.chain.ts'
import type { AuditRepository, NewEntry, StoredEntry } from './audit.repository.ts'

/** Who did something: an account (none for a failed sign-in), its role then, and the client address. */
export interface AuditActor {
  id: string | null
  role: string | null
  ip: string | null
}

/** One thing that happened, as a caller hands it to `record`. */
export interface AuditEntry {
  actor: AuditActor
  /** A dotted name: `event.created`, `queue.paused`, `auth.login_failed`. */
  action: string
  /** What it was done to: an event id, an account id, the email a sign-in named. */
  target?: string | null
  /** Never a password, a token or a secret: fields by such names are stored as "[redacted]". */
  details?: Record<string, unknown>
}

export interface AuditView {
  id: number
  at: string
  actor: AuditActor
  action: string
  target: string | null
  details: Record<string, unknown>
  hash: string
}

export interface VerifyResult {
  checked: number
  /** The hash of the last entry, to compare with one noted before: entries cut off the end leave no gap. */
  head: string
  broken: ChainBreak | null
}

const actionPattern = /^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/
/** Entries written in one append at most. */
const maxBatch = 500
const secretField = /password|token|secret|authorization|cookie|ticket|session/i

/** The audit log: what admins did and who signed in, append-only and hash-chained. */
export class AuditLog {
  private pending: {
    entry: NewEntry
    resolve: (view: AuditView) => void
    reject: (error: unknown) => void
  }[] = []
  private flushing: Promise<void> | null = null

  constructor(
    private readonly repository: AuditRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Appends one entry; resolves once it is committed. Entries recorded while an append is under
   * way are written together in the next one (group commit): appends from every replica take
   * turns on one lock, so a crowd of sign-ins costs one turn per batch, not one per sign-in.
   */
  record(entry: AuditEntry): Promise<AuditView> {
    if (!actionPattern.test(entry.action))
      return Promise.reject(new Error(`not an audit action name: "${entry.action}"`))
    return new Promise((resolve, reject) => {
      this.pending.push({
        entry: {
          actorId: entry.actor.id,
          actorRole: entry.actor.role,
          actorIp: entry.actor.ip,
          action: entry.action,
          target: entry.target ?? null,
          // As JSON gives it back (a Date as its text), so the hash of the stored row is the same.
          details: withoutSecrets(JSON.parse(JSON.stringify(entry.details ?? {}))),
        },
        resolve,
        reject,
      })
      this.flush()
    })
  }

  private flush(): void {
    if (this.flushing) return
    this.flushing = (async () => {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, maxBatch)
        try {
          const stored = await this.repository.append(
            batch.map((item) => item.entry),
            this.clock(),
          )
          for (const [i, item] of batch.entries()) item.resolve(toView(stored[i] as StoredEntry))
        } catch (error) {
          for (const item of batch) item.reject(error)
        }
      }
    })().finally(() => {
      this.flushing = null
      // Recorded after the loop's last look, before this ran.
      if (this.pending.length > 0) this.flush()
    })
  }

  /** A page of entries, newest first: `after` is the last id of the page before. */
  async page(options: { after?: number; limit: number; action?: string }) {
    const entries = await this.repository.newest({
      ...options,
      before: options.after,
      limit: options.limit + 1,
    })
    const more = entries.length > options.limit
    const shown = entries.slice(0, options.limit)
    return { entries: shown.map(toView), next: more ? (shown.at(-1)?.id ?? null) : null }
  }

  /**
   * Walks the whole chain in id order, `batch` entries a query, and stops at the first break;
   * `progress` hears how far it has come after each batch.
   */
  async verify(
    options: { batch?: number; progress?: (checked: number) => void } = {},
  ): Promise<VerifyResult> {
    const batch = options.batch ?? 5000
    const walker = new ChainWalker()
    let after = 0
    for (;;) {
      const entries = await this.repository.inOrder(after, batch)
      for (const entry of entries) if (!walker.add(entry)) break
      if (walker.broken || entries.length < batch) break
      after = entries.at(-1)?.id ?? after
      options.progress?.(walker.checked)
    }
    return { checked: walker.checked, head: walker.head, broken: walker.broken }
  }
}

/** A copy of `value` with every field named like a secret replaced, however deep. */
export function withoutSecrets(value: Record<string, unknown>): Record<string, unknown> {
  const clean = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(clean)
    if (item === null || typeof item !== 'object') return item
    return Object.fromEntries(
      Object.entries(item).map(([key, field]) => [key, secretField.test(key) ? '[redacted]' : clean(field)]),
    )
  }
  return clean(value) as Record<string, unknown>
}

function toView(entry: StoredEntry): AuditView {
  return {
    id: entry.id,
    at: entry.at.toISOString(),
    actor: { id: entry.actorId, role: entry.actorRole, ip: entry.actorIp },
    action: entry.action,
    target: entry.target,
    details: (entry.details ?? {}) as Record<string, unknown>,
    hash: entry.hash,
  }
}
