import { addressKey, type ClientAddresses } from '../http/client.address.ts'
import { AppError } from '../http/errors.catalogue.ts'
import type { GateCheck, GateRequest, RouteClass } from '../http/request.gate.ts'
import { withHeaders } from '../http/request.gate.ts'
import { GcraLimiter, type Rate, type RateVerdict } from './rate.limiter.ts'

/** Per-address limits by route class; a class left out is not limited. */
export type RateLimits = Partial<Record<RouteClass, Rate>>

/**
 * The gate's rate-limit stage: each limited class counts requests per client address. A join that
 * also makes a guest (`?guest=true`) costs a guest sign-in too, so the one-request arrival cannot be
 * used to mint identities faster than the guest route allows.
 */
export function rateLimitCheck(
  limits: RateLimits,
  addresses: ClientAddresses,
  clock: () => number = Date.now,
): GateCheck {
  const limiters = new Map<RouteClass, GcraLimiter>()
  for (const [routeClass, rate] of Object.entries(limits) as [RouteClass, Rate][]) {
    limiters.set(routeClass, new GcraLimiter(rate))
  }
  const guest = limiters.get('guest')
  return {
    name: 'rate-limit',
    classes: [...limiters.keys()],
    check(request: GateRequest) {
      const limiter = limiters.get(request.routeClass)
      if (limiter === undefined) return
      const key = addressKey(addresses.of(request.raw))
      const now = clock()
      refuseUnless(limiter.take(key, now), request.routeClass)
      if (guest !== undefined && request.routeClass === 'join' && joinsAsGuest(request.url)) {
        refuseUnless(guest.take(key, now), 'guest')
      }
    },
  }
}

function joinsAsGuest(url: string): boolean {
  const query = url.indexOf('?')
  return query !== -1 && new URLSearchParams(url.slice(query + 1)).get('guest') === 'true'
}

function refuseUnless(verdict: RateVerdict, routeClass: RouteClass): void {
  if (verdict.allowed) return
  throw rateLimited(verdict, `Too many ${routeClass} requests from this address; try again later`, routeClass)
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
