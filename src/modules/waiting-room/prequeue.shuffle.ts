import { createCipheriv, createHash } from 'node:crypto'

/** The pre-queue as it was at the sale's opening: how many had joined, and the seed of its shuffle. */
export interface PreQueueSeal {
  seed: string
  size: number
}

/**
 * The one shuffle of the pre-queue: a Fisher–Yates shuffle drawing from an AES-256-CTR keystream
 * keyed by the seal's random seed. Every process derives the same order from the same seal, and
 * nobody can predict it before the opening, when the seed is drawn and no one can join the
 * pre-queue any more.
 */
export class PreQueueOrder {
  /** ranks[n - 1] is the place of number n in the shuffled pre-queue (1-based). */
  private readonly ranks: Uint32Array

  constructor(readonly seal: PreQueueSeal) {
    const order = new Uint32Array(seal.size)
    for (let i = 0; i < seal.size; i++) order[i] = i + 1
    const draw = randomIndexes(seal.seed)
    for (let i = seal.size - 1; i > 0; i--) {
      const j = draw(i + 1)
      const swap = order[i] as number
      order[i] = order[j] as number
      order[j] = swap
    }
    // order[place - 1] is the number at that place; invert it so lookups by number are O(1).
    this.ranks = new Uint32Array(seal.size)
    for (let place = 0; place < seal.size; place++) this.ranks[(order[place] as number) - 1] = place + 1
  }

  /** Where a number stands in the line: shuffled within the pre-queue, as joined after it. */
  rankOf(number: number): number {
    return number >= 1 && number <= this.seal.size ? (this.ranks[number - 1] as number) : number
  }
}

/** Uniform integers in [0, bound) from the keystream, by rejection so that none is favoured. */
function randomIndexes(seed: string): (bound: number) => number {
  const key = createHash('sha256').update(`breakwater:prequeue:${seed}`).digest()
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
  const zeros = Buffer.alloc(4096)
  let block = cipher.update(zeros)
  let offset = 0
  const next = () => {
    if (offset + 4 > block.length) {
      block = cipher.update(zeros)
      offset = 0
    }
    const value = block.readUInt32LE(offset)
    offset += 4
    return value
  }
  return (bound) => {
    const limit = 2 ** 32 - (2 ** 32 % bound)
    // Each draw is rejected with probability below 1/2, so 64 tries fail with odds under 2^-64.
    for (let attempt = 0; attempt < 64; attempt++) {
      const value = next()
      if (value < limit) return value % bound
    }
    throw new Error('keystream rejected 64 draws in a row')
  }
}
