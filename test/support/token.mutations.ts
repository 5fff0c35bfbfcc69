import { randomInt } from 'node:crypto'

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.|'

/**
 * A token changed in one of the ways an attacker or a broken client would: a character changed,
 * dropped or added, truncation, segments swapped or taken from another token. Never the original.
 */
export function mutate(token: string, other: string): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const at = randomInt(token.length)
    const char = alphabet[randomInt(alphabet.length)] ?? 'A'
    const parts = token.split('.')
    const otherParts = other.split('.')
    let mutated: string
    switch (randomInt(8)) {
      case 0:
        mutated = token.slice(0, at) + char + token.slice(at + 1)
        break
      case 1:
        mutated = token.slice(0, at) + token.slice(at + 1)
        break
      case 2:
        mutated = token.slice(0, at) + char + token.slice(at)
        break
      case 3:
        mutated = token.slice(0, at)
        break
      case 4: {
        // Another token's segment in place of this one's.
        const i = randomInt(parts.length)
        parts[i] = otherParts[i] ?? ''
        mutated = parts.join('.')
        break
      }
      case 5:
        mutated = [...parts].reverse().join('.')
        break
      case 6:
        mutated = `${token}${char}`
        break
      default: {
        // Two characters swapped.
        const b = randomInt(token.length)
        const chars = [...token]
        ;[chars[at], chars[b]] = [chars[b] ?? '', chars[at] ?? '']
        mutated = chars.join('')
      }
    }
    if (mutated !== token) return mutated
  }
  return `${token}x`
}
