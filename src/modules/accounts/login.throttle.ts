import { createHash } from 'node:crypto'
import { GcraLimiter, type Rate, type RateVerdict } from '../../platform/security/rate.limiter.ts'
import { rateLimited } from '../../platform/security/rate.limits.ts'

/**
 * Failed sign-ins allowed per account, in two steps of backoff: from one address, 5 at once and
 * then one a minute; from every address together, 20 at once and then one every 5 minutes, so a
 * guesser spread over many addresses gets about 300 tries a day, not 160 a minute. A correct
 * password does not count. (Each address is limited over all accounts by the request gate too.)
 */
export const loginLimits = {
  accountFromAddress: { perMinute: 1, burst: 5 },
  account: { perMinute: 1 / 5, burst: 20 },
} as const satisfies Record<string, Rate>

/** Keys tracked per limit at most: an attacker cycling through emails evicts the idlest first. */
const maxKeys = 100_000

/**
 * Counts sign-in attempts per account before their password is checked, so parallel attempts
 * cannot overshoot, and gives back the ones whose password was right (or was never checked).
 * Unknown emails are counted like known ones: the answer does not say whether an account exists.
 */
export class LoginThrottle {
  private readonly fromAddress = new GcraLimiter(loginLimits.accountFromAddress, maxKeys)
  private readonly overall = new GcraLimiter(loginLimits.account, maxKeys)

  constructor(private readonly clock: () => number = Date.now) {}

  /** Takes one attempt for `email` from the client address key `from`; 429 when over a limit. Returns the refund. */
  attempt(email: string, from: string): () => void {
    // Hashed: an email may be 254 characters, and 100,000 of them are memory an attacker chooses.
    const account = digest(email.toLowerCase())
    const pair = digest(`${account} ${from}`)
    const now = this.clock()
    refuseUnless(this.fromAddress.take(pair, now))
    const verdict = this.overall.take(account, now)
    if (!verdict.allowed) {
      this.fromAddress.refund(pair)
      refuseUnless(verdict)
    }
    return () => {
      this.fromAddress.refund(pair)
      this.overall.refund(account)
    }
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url')
}

function refuseUnless(verdict: RateVerdict): void {
  if (!verdict.allowed)
    throw rateLimited(verdict, 'Too many failed sign-ins for this account; try again later', 'login')
}
