/** A limit: `perMinute` on average, up to `burst` at once after a quiet spell. */
export interface Rate {
  perMinute: number
  burst: number
}

export interface RateVerdict {
  allowed: boolean
  limit: number
  /** Requests that would still be allowed right now. */
  remaining: number
  /** Milliseconds until a refused request would be allowed; 0 when allowed. */
  retryAfterMs: number
  /** Milliseconds until the key has its whole burst again. */
  resetMs: number
  /** The time `limit` requests take to earn back: the window of the IETF draft's policy. */
  windowSeconds: number
}

/**
 * The generic cell rate algorithm (GCRA), kept in this process: one number per key (the
 * theoretical arrival time), no window edges, so a client cannot get twice the limit by straddling
 * two windows as a fixed window allows. rate-limiter-flexible was considered: its memory and Redis
 * limiters count in fixed windows that start at a key's first request, which is the edge this avoids.
 * `SharedRateLimiter` runs the same algorithm in Redis, with one of these as its insurance.
 *
 * Keys are kept in the order they were last used; the least recently used ones go first, and a key
 * whose burst has refilled is forgotten, so a crowd of distinct addresses costs memory only while
 * each is active.
 */
export class GcraLimiter {
  private readonly intervalMs: number
  private readonly toleranceMs: number
  /** The time `burst` requests take to earn back: the window of the IETF draft's policy. */
  readonly windowSeconds: number
  private readonly arrivals = new Map<string, number>()

  constructor(
    readonly rate: Rate,
    private readonly maxKeys = 500_000,
  ) {
    if (!(rate.perMinute > 0) || !(rate.burst >= 1))
      throw new Error('a rate needs perMinute > 0 and burst ≥ 1')
    this.intervalMs = 60_000 / rate.perMinute
    this.toleranceMs = this.intervalMs * rate.burst
    this.windowSeconds = Math.ceil(this.toleranceMs / 1000)
  }

  take(key: string, now: number): RateVerdict {
    this.forgetIdle(now)
    const stored = this.arrivals.get(key)
    const arrival = Math.max(stored ?? now, now) + this.intervalMs
    const ahead = arrival - now
    if (ahead > this.toleranceMs) {
      return {
        allowed: false,
        limit: this.rate.burst,
        windowSeconds: this.windowSeconds,
        remaining: 0,
        retryAfterMs: Math.ceil(ahead - this.toleranceMs),
        resetMs: Math.ceil(Math.max(0, (stored ?? now) - now)),
      }
    }
    // Delete first, so the key moves to the back of the use order.
    this.arrivals.delete(key)
    this.arrivals.set(key, arrival)
    if (this.arrivals.size > this.maxKeys) this.arrivals.delete(this.arrivals.keys().next().value as string)
    return {
      allowed: true,
      limit: this.rate.burst,
      windowSeconds: this.windowSeconds,
      remaining: Math.floor((this.toleranceMs - ahead) / this.intervalMs),
      retryAfterMs: 0,
      resetMs: Math.ceil(ahead),
    }
  }

  /**
   * Gives back one request taken for `key`, for a caller that counts only some outcomes (a sign-in
   * counts when its password was wrong): taking before the outcome is known lets no parallel
   * requests slip past the limit, and the refund leaves the others uncounted.
   */
  refund(key: string): void {
    const stored = this.arrivals.get(key)
    if (stored !== undefined) this.arrivals.set(key, stored - this.intervalMs)
  }

  /** Keys tracked now (for tests and the gauge). */
  get size(): number {
    return this.arrivals.size
  }

  private forgetIdle(now: number): void {
    // A couple per call keeps up with any arrival rate without a sweep.
    for (let i = 0; i < 2; i++) {
      const oldest = this.arrivals.entries().next().value as [string, number] | undefined
      if (oldest === undefined || oldest[1] > now) return
      this.arrivals.delete(oldest[0])
    }
  }
}
