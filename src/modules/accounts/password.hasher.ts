import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

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
