import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { AppError } from '../../platform/http/errors.catalogue.ts'

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>

// OWASP's scrypt floor (N=2^17 would be stronger but costs 128 MiB per hash on a 2-core box).
const params = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
const keyLength = 32

/** Hashes passwords with scrypt; the stored form carries its own parameters and salt. */
export const passwordHasher = {
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16)
    const key = await scryptAsync(password.normalize('NFKC'), salt, keyLength, params)
    return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
  },

  async verify(password: string, stored: string): Promise<boolean> {
    const [scheme, n, r, p, salt, key] = stored.split('$')
    if (scheme !== 'scrypt' || !salt || !key) return false
    const expected = Buffer.from(key, 'base64url')
    const actual = await scryptAsync(
      password.normalize('NFKC'),
      Buffer.from(salt, 'base64url'),
      expected.length,
      {
        N: Number(n),
        r: Number(r),
        p: Number(p),
        maxmem: params.maxmem,
      },
    )
    return actual.length === expected.length && timingSafeEqual(actual, expected)
  },
}

/** A hash of a random password: verifying against it costs the same as a real one, so unknown emails answer as slowly as known ones. */
export const decoyHash = passwordHasher.hash(randomBytes(16).toString('hex'))

/**
 * How many password hashes run at once, and how many more may wait for one. scrypt runs on libuv's
 * thread pool (4 threads), which file and DNS work share: unbounded, 40 parallel sign-ins held every
 * thread for seconds and an admin's own sign-in waited 30 s behind them. Two leave the pool room for
 * the rest, and a short line in this process absorbs an ordinary burst.
 */
export const hashingBound = { running: 2, waiting: 8 } as const

/**
 * Admits password hashes up to `hashingBound`; beyond it a request is refused at once with 503
 * `BW_BUSY` and `Retry-After`, rather than queued behind work that would make it wait for seconds.
 */
export class HashingSlots {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly bound: { running: number; waiting: number } = hashingBound) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.bound.running) this.running++
    else if (this.waiting.length < this.bound.waiting)
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    else
      throw new AppError('BW_BUSY', 'Too many passwords are being checked at once; try again shortly', {
        retryAfterSeconds: 1,
      })
    try {
      return await work()
    } finally {
      // The slot passes straight to the next in line, or is freed.
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }

  /** Hashes running now and waiting for a slot (for tests and the gauge). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length }
  }
}
