/// <reference lib="webworker" />
/** Solves the waiting room's proof-of-work challenge off the page's thread, reporting progress as it goes. */
import { solveChallenge } from 'altcha-lib/v1'

export interface PowWork {
  algorithm: string
  challenge: string
  salt: string
  maxnumber: number
}

export type PowMessage = { type: 'progress'; tried: number } | { type: 'done'; number: number | null }

// altcha's solver over slices of the range, so the page hears how far it got between slices.
const slice = 2000

self.onmessage = async (message: MessageEvent<PowWork>) => {
  const { algorithm, challenge, salt, maxnumber } = message.data
  for (let start = 0; start <= maxnumber; start += slice) {
    const end = Math.min(maxnumber, start + slice - 1)
    const found = await solveChallenge(challenge, salt, algorithm, end, start).promise
    if (found) {
      self.postMessage({ type: 'done', number: found.number } satisfies PowMessage)
      return
    }
    self.postMessage({ type: 'progress', tried: end + 1 } satisfies PowMessage)
  }
  self.postMessage({ type: 'done', number: null } satisfies PowMessage)
}
