import { createHash } from 'node:crypto'

/** The `prev_hash` of the first entry: no entry comes before it. */
export const genesisHash = '0'.repeat(64)

/** The fields of an entry its hash covers: all of them but the hashes. */
export interface ChainedEntry {
  id: number
  at: Date
  actorId: string | null
  actorRole: string | null
  actorIp: string | null
  action: string
  target: string | null
  details: unknown
}

/**
 * JSON with object keys sorted and no whitespace, so the same entry always gives the same text
 * whatever order its keys were written or stored in (jsonb reorders them).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('not a finite number')
    return JSON.stringify(value) ?? 'null'
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`
  const fields = Object.keys(value)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
  return `{${fields.join(',')}}`
}

/** sha256(prev_hash ‖ canonical JSON of the entry), hex. */
export function entryHash(prevHash: string, entry: ChainedEntry): string {
  const body = canonicalJson({
    id: entry.id,
    at: entry.at.toISOString(),
    actorId: entry.actorId,
    actorRole: entry.actorRole,
    actorIp: entry.actorIp,
    action: entry.action,
    target: entry.target,
    details: entry.details,
  })
  return createHash('sha256').update(prevHash).update(body).digest('hex')
}

export interface ChainBreak {
  /** The first entry whose link or hash is wrong. */
  id: number
  reason: string
}

/**
 * Walks a chain in id order, one entry at a time, remembering only the last hash: a chain of
 * millions is checked in batches without holding it. The first break is kept.
 */
export class ChainWalker {
  private previous = genesisHash
  private previousId: number | null = null
  checked = 0
  broken: ChainBreak | null = null

  /** False once the chain is broken; the rest need not be read. */
  add(entry: ChainedEntry & { prevHash: string; hash: string }): boolean {
    if (this.broken) return false
    if (entry.prevHash !== this.previous) {
      this.broken = {
        id: entry.id,
        reason:
          this.previousId === null
            ? 'it names a previous entry, but it is the first one left: entries before it are missing'
            : `its prev_hash is not the hash of entry ${this.previousId}: an entry between them is missing or was changed`,
      }
      return false
    }
    if (entryHash(entry.prevHash, entry) !== entry.hash) {
      this.broken = { id: entry.id, reason: 'its hash does not match its contents: it was changed' }
      return false
    }
    this.previous = entry.hash
    this.previousId = entry.id
    this.checked++
    return true
  }

  /** The hash of the last entry checked: note it to detect later that entries were cut off the end. */
  get head(): string {
    return this.previous
  }
}
