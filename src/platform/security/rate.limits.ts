import type { RedisClient } from '../data/redis.client.ts'
import { addressKey, type ClientAddresses } from '../http/client.address.ts'
import { AppError } from '../http/errors.catalogue.ts'
import type { GateCheck, GateRequest } from '../http/request.gate.ts'
import { withHeaders } from '../http/request.gate.ts'
import type { Rate, RateVerdict } from './rate.limiter.ts'
import { SharedRateCounter, SharedRateLimiter } from './shared.rate.limiter.ts'

/** The route classes that have limits (status polls never do: a waiting crowd polls). */
export const limitedClasses = [
  'auth',
  'guest',
  'join',
  'enter',
  'holds',
  'orders',
  'listings',
  'chat',
] as const
export type LimitedClass = (typeof limitedClasses)[number]

/** A class's limits: per client address, and per account when the request is signed in. */
export interface ClassLimits {
  address?: Rate
  account?: Rate
}

/** Limits by route class; a class or a side left out is not limited. */
export type RateLimits = Partial<Record<LimitedClass, ClassLimits>>

export interface RateLimitSources {
  /** Redis to share the counts between processes; null (or down) counts in this process. */
  redis?: () => RedisClient | null
  /** The account a request is signed in as, from a valid access token; null when there is none. */
  account?: (request: GateRequest) => string | null
  clock?: () => number
  /** Told when Redis failed and a request was counted in this process instead. */
  onFallback?: (error: unknown) => void
}

type Side = 'address' | 'account'
interface Take {
  limiter: SharedRateLimiter
  key: string
  limitClass: LimitedClass
  side: Side
}

/** Every Redis key of the limits: `rate:<class>:<a for address, u for account>:<key>`. */
const keyPrefix = (limitClass: LimitedClass, side: Side) =>
  `rate:${limitClass}:${side === 'address' ? 'a' : 'u'}:`

/**
 * The gate's rate-limit stage: each limited class counts requests per client address (IPv6 by its
 * /64) and, when the request carries a valid access token, per account, in Redis when there is one
 * so that every process counts alike. A join that also makes a guest (`?guest=true`) costs a guest
 * sign-in too, so the one-request arrival cannot be used to mint identities faster than the guest
 * route allows. The check answers synchronously when it calls no Redis (embedded, or Redis down).
 */
export function rateLimitCheck(
  limits: RateLimits,
  addresses: ClientAddresses,
  sources: RateLimitSources = {},
): GateCheck {
  const counter = new SharedRateCounter(sources.redis ?? (() => null), sources.clock, sources.onFallback)
  const account = sources.account ?? (() => null)
  const limiters = new Map<LimitedClass, Partial<Record<Side, SharedRateLimiter>>>()
  for (const limitClass of limitedClasses) {
    const classLimits = limits[limitClass]
    if (classLimits === undefined) continue
    const sides: Partial<Record<Side, SharedRateLimiter>> = {}
    for (const side of ['address', 'account'] as const) {
      const rate = classLimits[side]
      if (rate !== undefined) sides[side] = new SharedRateLimiter(rate, keyPrefix(limitClass, side))
    }
    if (sides.address !== undefined || sides.account !== undefined) limiters.set(limitClass, sides)
  }
  const guest = limiters.get('guest')?.address
  // A guest join costs a guest sign-in even when joins themselves are not limited.
  if (guest !== undefined && !limiters.has('join')) limiters.set('join', {})
  return {
    name: 'rate-limit',
    classes: [...limiters.keys()],
    check(request: GateRequest) {
      const limitClass = request.routeClass as LimitedClass
      const sides = limiters.get(limitClass)
      if (sides === undefined) return
      const takes: Take[] = []
      const asGuest = guest !== undefined && limitClass === 'join' && joinsAsGuest(request.url)
      const from = sides.address !== undefined || asGuest ? addressKey(addresses.of(request.raw)) : ''
      if (sides.address !== undefined)
        takes.push({ limiter: sides.address, key: from, limitClass, side: 'address' })
      if (sides.account !== undefined) {
        const id = account(request)
        if (id !== null) takes.push({ limiter: sides.account, key: id, limitClass, side: 'account' })
      }
      if (asGuest) takes.push({ limiter: guest, key: from, limitClass: 'guest', side: 'address' })
      // One request from every limit, or from none: refused with the first one that is spent.
      const verdicts = counter.take(takes)
      if (!(verdicts instanceof Promise)) return refuseIfSpent(takes, verdicts)
      return verdicts.then((settled) => refuseIfSpent(takes, settled))
    },
  }
}

function refuseIfSpent(takes: Take[], verdicts: RateVerdict[]): void {
  for (let i = 0; i < verdicts.length; i++) {
    const verdict = verdicts[i] as RateVerdict
    if (verdict.allowed) continue
    const { limitClass, side } = takes[i] as Take
    const whose = side === 'address' ? 'from this address' : 'for this account'
    throw rateLimited(verdict, `Too many ${limitClass} requests ${whose}; try again later`, limitClass)
  }
}

function joinsAsGuest(url: string): boolean {
  const query = url.indexOf('?')
  return query !== -1 && new URLSearchParams(url.slice(query + 1)).get('guest') === 'true'
}

/**
 * The refusal of a limit: 429 `BW_RATE_LIMITED` with `Retry-After` and the IETF draft's fields
 * (RateLimit-Limit, -Remaining, -Reset in seconds) and policy. `limitClass` names the limit.
 */
export function rateLimited(verdict: RateVerdict, detail: string, limitClass: string): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))
  return withHeaders(new AppError('BW_RATE_LIMITED', detail, { retryAfterSeconds, limitClass }), {
    'ratelimit-limit': String(verdict.limit),
    'ratelimit-remaining': '0',
    'ratelimit-reset': String(Math.max(1, Math.ceil(verdict.resetMs / 1000))),
    'ratelimit-policy': `${verdict.limit};w=${verdict.windowSeconds}`,
  })
}
