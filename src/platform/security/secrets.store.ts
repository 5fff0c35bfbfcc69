import { hkdfSync, randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/**
 * The one secret every signing key is derived from: given by `TOKEN_SECRET`, or, when embedded,
 * generated on first start and kept in the data directory so that tokens survive a restart.
 */
export function loadOrCreateSecret(given: string | null, dataDir: string | null): string {
  if (given) return given
  if (!dataDir) return randomBytes(32).toString('base64url')
  const file = path.join(dataDir, 'token-secret')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const secret = randomBytes(32).toString('base64url')
  // 'wx' fails if another process created it first; then its secret wins.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
    return secret
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim()
    throw error
  }
}

export type KeyPurpose = 'access-token' | 'queue-ticket' | 'admission-token' | 'payment-webhook' | 'queue-pow'

/** A separate key per purpose, so a token of one kind can never pass as another. */
export function deriveKey(secret: string, purpose: KeyPurpose): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'breakwater', purpose, 32))
}
