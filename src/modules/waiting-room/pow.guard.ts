import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { PowChallenge, PowChallenges, PowRefusal } from './pow.challenges.ts'

/** An event's proof-of-work setting: never, always, or when joins per second pass the threshold. */
export const powModes = ['off', 'on', 'auto'] as const
export type PowMode = (typeof powModes)[number]

export interface PowPolicy {
  /** The easiest challenge's `maxnumber` (the solver tries half of it on average). */
  floor: number
  /** The hardest: about 2 s at the 95th percentile on a mid-range phone (see the README). */
  cap: number
  /** Joins per second, over the whole line, at which `auto` starts asking and difficulty starts rising. */
  autoJoinsPerSec: number
}

/**
 * At the cap, altcha's own solver in Node on the reference machine (40,000–56,000 hashes a second
 * on a free core) takes ~0.35 s at p95; a mid-range phone, three to five times slower, 1 to 2 s.
 * `npx tsx bench/pow.bench.ts` measures it.
 */
export const powDefaults: PowPolicy = { floor: 1_000, cap: 20_000, autoJoinsPerSec: 500 }

/** Harder as the line grows faster, as mCaptcha does: the floor up to the threshold, then in proportion, to the cap. */
export function powDifficulty(joinsPerSec: number, policy: PowPolicy): number {
  const scaled = Math.round(policy.floor * Math.max(1, joinsPerSec / policy.autoJoinsPerSec))
  return Math.min(policy.cap, Math.max(policy.floor, scaled))
}

const maxEventsTracked = 10_000
const minWindowMs = 1000

/**
 * Each event's join rate over the whole line, from the frontier every replica refreshes: how far
 * its last number moved per second, so every replica sees the same pressure without counting.
 */
export class JoinPressure {
  private readonly samples = new Map<string, { at: number; last: number; rate: number }>()

  sample(eventId: string, lastNumber: number, now: number): void {
    const previous = this.samples.get(eventId)
    if (!previous) {
      if (this.samples.size >= maxEventsTracked) this.samples.clear()
      this.samples.set(eventId, { at: now, last: lastNumber, rate: 0 })
      return
    }
    const elapsed = now - previous.at
    if (elapsed < minWindowMs) return
    // A line started again (a lost state) has smaller numbers: no pressure measured across that.
    const rate = lastNumber >= previous.last ? ((lastNumber - previous.last) * 1000) / elapsed : 0
    this.samples.set(eventId, { at: now, last: lastNumber, rate })
  }

  joinsPerSec(eventId: string): number {
    return this.samples.get(eventId)?.rate ?? 0
  }
}

const refusals: Record<PowRefusal, string> = {
  malformed: 'The proof-of-work solution could not be read',
  foreign: 'The proof-of-work solution is for another event',
  expired: 'The proof-of-work challenge has expired; fetch a new one',
  wrong: 'The proof-of-work solution does not solve its challenge',
  replayed: 'This proof-of-work solution was already used; fetch a new challenge',
}

/** Decides when a join must carry a solved challenge, hands challenges out, and checks them. */
export class PowGuard {
  constructor(
    private readonly challenges: PowChallenges,
    readonly pressure: JoinPressure,
    private readonly policy: PowPolicy,
    /** Told of every check's outcome, for the metrics (and the detectors that watch for floods). */
    private readonly onOutcome: (outcome: 'accepted' | 'required' | PowRefusal) => void = () => {},
  ) {}

  needed(eventId: string, mode: PowMode): boolean {
    if (mode === 'off') return false
    return mode === 'on' || this.pressure.joinsPerSec(eventId) >= this.policy.autoJoinsPerSec
  }

  /** A challenge at the current difficulty, or null when joining needs none right now. */
  async challenge(eventId: string, mode: PowMode): Promise<(PowChallenge & { expiresAt: string }) | null> {
    if (!this.needed(eventId, mode)) return null
    return this.challenges.issue(eventId, powDifficulty(this.pressure.joinsPerSec(eventId), this.policy))
  }

  /** Throws 428 when a solution is needed and missing, 403 when it is not good for this join. */
  async check(eventId: string, mode: PowMode, solution: string | undefined): Promise<void> {
    if (!this.needed(eventId, mode)) return
    const challengeUrl = `/api/v1/events/${eventId}/queue/challenge`
    if (!solution) {
      this.onOutcome('required')
      throw new AppError('BW_POW_REQUIRED', undefined, { challengeUrl })
    }
    const refusal = await this.challenges.verify(eventId, solution)
    this.onOutcome(refusal ?? 'accepted')
    if (refusal) throw new AppError('BW_POW_INVALID', refusals[refusal], { challengeUrl, reason: refusal })
  }
}
