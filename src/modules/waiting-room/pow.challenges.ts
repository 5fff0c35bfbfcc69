import { createChallenge, extractParams, verifySolution } from 'altcha-lib/v1'
import type { ReplayStore } from './pow.replay.ts'
import type { Clock } from './queue-state.types.ts'

/** An ALTCHA challenge as the client receives it: find the number whose SHA-256 with the salt is `challenge`. */
export interface PowChallenge {
  algorithm: 'SHA-256'
  challenge: string
  maxnumber: number
  salt: string
  signature: string
}

/** Why a solution was refused; each is a 403 with its own detail. */
export type PowRefusal = 'malformed' | 'foreign' | 'expired' | 'wrong' | 'replayed'

/** The longest header worth parsing: a real solution is about 300 characters. */
const maxSolutionLength = 2048

/**
 * Stateless proof-of-work challenges for joining a line (ALTCHA's v1 protocol, `altcha-lib`):
 * the salt carries the event and the expiry, and the challenge is HMAC-signed, so any replica
 * verifies a solution without having issued it. Only spent solutions are remembered, in the
 * replay store, until they expire.
 */
export class PowChallenges {
  private readonly hmacKey: string

  constructor(
    key: Uint8Array,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly replay: ReplayStore,
  ) {
    this.hmacKey = Buffer.from(key).toString('hex')
  }

  async issue(eventId: string, maxnumber: number): Promise<PowChallenge & { expiresAt: string }> {
    const expires = new Date(this.clock() + this.ttlMs)
    const challenge = await createChallenge({
      hmacKey: this.hmacKey,
      algorithm: 'SHA-256',
      maxnumber,
      expires,
      params: { event: eventId },
    })
    return { ...(challenge as PowChallenge), maxnumber, expiresAt: expires.toISOString() }
  }

  /** Null when the solution is good for one join of this event (and is now spent); else why not. */
  async verify(eventId: string, solution: string): Promise<PowRefusal | null> {
    const payload = parse(solution)
    if (!payload) return 'malformed'
    const params = extractParams(payload)
    if (params.event !== eventId) return 'foreign'
    const expiresAtMs = Number(params.expires) * 1000
    const now = this.clock()
    if (!Number.isFinite(expiresAtMs) || expiresAtMs <= now) return 'expired'
    // Expiry is judged above, by this service's clock.
    if (!(await verifySolution(payload, this.hmacKey, false))) return 'wrong'
    if (!(await this.replay.claim(eventId, payload.challenge, expiresAtMs, now))) return 'replayed'
    return null
  }
}

interface Payload {
  algorithm: PowChallenge['algorithm']
  challenge: string
  number: number
  salt: string
  signature: string
}

// Challenges are issued with SHA-256 only; a solution naming another algorithm is not one of ours.
const algorithms = new Set(['SHA-256'])

/** The base64 JSON the ALTCHA solver produces, checked for shape; null for anything else. */
function parse(solution: string): Payload | null {
  if (solution.length > maxSolutionLength) return null
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(solution, 'base64').toString('utf8'))
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const p = value as Record<string, unknown>
  const ok =
    typeof p.algorithm === 'string' &&
    algorithms.has(p.algorithm) &&
    typeof p.challenge === 'string' &&
    typeof p.salt === 'string' &&
    typeof p.signature === 'string' &&
    Number.isSafeInteger(p.number) &&
    (p.number as number) >= 0
  return ok ? (p as unknown as Payload) : null
}
