import { readFileSync } from 'node:fs'

/**
 * How long a new password may be, in characters (Unicode code points, as JSON Schema counts them).
 * At least 12: ASVS 5.0 (6.2.1) asks for 8 and strongly recommends 15; 12 is ASVS 4.0's floor and
 * still fits a passphrase of three short words. At most 128: twice the 64 that ASVS 5.0 (6.2.9) says
 * must be allowed and longer than any password manager generates by default, so that no request
 * has the server normalise and hash a string as long as the body limit (64 KiB) allows. Sign-in
 * accepts up to 200, the old limit, so that passwords set before this one still work.
 */
export const passwordLength = { min: 12, max: 128 } as const

/** Words a password may not lean on (ASVS 5.0, 6.1.2): the service's own name, besides the account's email. */
export const contextWords = ['breakwater'] as const

/** The commonest passwords of an allowed length; where they come from is in the file's header. */
const commonPasswords: ReadonlySet<string> = new Set(
  readFileSync(new URL('./common.passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#')),
)

/**
 * Why `password` may not be set, or null when it may: too short or too long, one of the commonest
 * passwords, a few characters repeated or counted up (`aaaaaaaaaaaa`, `abcdefghijkl`), or little
 * more than the email or the service's name. No composition rules (ASVS 5.0, 6.2.5): any character
 * counts, and the comparisons ignore case.
 */
export function passwordProblem(password: string, context: { email?: string } = {}): string | null {
  const length = codePoints(password)
  if (length < passwordLength.min) return `must be at least ${passwordLength.min} characters long`
  if (length > passwordLength.max) return `must be at most ${passwordLength.max} characters long`
  const folded = password.normalize('NFKC').toLowerCase()
  if (commonPasswords.has(folded)) return 'is one of the most common passwords; choose another'
  if (/^(.{1,4})\1+$/su.test(folded)) return 'only repeats a few characters; choose another'
  if (isRun(folded)) return 'is a run of consecutive characters; choose another'
  let rest = folded
  for (const word of [...contextWords, context.email?.trim().toLowerCase()])
    if (word) rest = rest.replaceAll(word, '')
  if (codePoints(rest) < passwordLength.min)
    return `is mostly your email or the name of this service; it needs ${passwordLength.min} characters besides them`
  return null
}

function codePoints(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** Every character one after (or one before) the last, digits wrapping round: `123456789012`, `lkjihgfedcba`. */
function isRun(text: string): boolean {
  const points = Array.from(text, (character) => character.codePointAt(0) as number)
  for (const step of [1, -1]) {
    let run = true
    for (let i = 1; i < points.length && run; i++) {
      const previous = points[i - 1] as number
      const current = points[i] as number
      const wrapped =
        isDigit(previous) && isDigit(current) && (previous - 48 + step + 10) % 10 === current - 48
      run = current - previous === step || wrapped
    }
    if (run) return true
  }
  return false
}

function isDigit(point: number): boolean {
  return point >= 48 && point <= 57
}
