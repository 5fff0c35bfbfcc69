/** Proof of work at join: fetch the event's challenge, solve it in a Web Worker, hand back the X-Queue-Pow value. */
import { api } from './api.ts'
import type { PowMessage } from './pow.worker.ts'

/**
 * The page's one Trusted Types policy. The CSP requires Trusted Types for script URLs, and a
 * worker's script is one: this lets through the bundle's own assets, same origin, and nothing
 * else; HTML and script strings stay refused, as no policy creates them.
 */
function allowOwnWorkers(): void {
  const tt = (globalThis as { trustedTypes?: { createPolicy(name: string, rules: object): unknown } })
    .trustedTypes
  if (!tt || allowOwnWorkers.done) return
  allowOwnWorkers.done = true
  tt.createPolicy('default', {
    createScriptURL: (value: string) => {
      const url = new URL(value, location.href)
      if (url.origin !== location.origin || !url.pathname.startsWith('/assets/'))
        throw new TypeError(`script URL refused: ${value}`)
      return url.href
    },
  })
}
allowOwnWorkers.done = false

/**
 * A solution for one join of the event, or null when the event asks for none right now (204).
 * `onProgress` gets 0–1: how much of the challenge's range has been tried.
 */
export async function solvePow(eventId: string, onProgress: (share: number) => void): Promise<string | null> {
  const challenge = await api('get', '/api/v1/events/{eventId}/queue/challenge', { path: { eventId } })
  if (!challenge) return null
  allowOwnWorkers()
  const worker = new Worker(new URL('./pow.worker.ts', import.meta.url), { type: 'module' })
  try {
    const number = await new Promise<number | null>((resolve, reject) => {
      worker.onerror = (event) => reject(new Error(event.message || 'the proof-of-work worker failed'))
      worker.onmessage = (message: MessageEvent<PowMessage>) => {
        const data = message.data
        if (data.type === 'progress') onProgress(Math.min(1, data.tried / challenge.maxnumber))
        else resolve(data.number)
      }
      worker.postMessage({
        algorithm: challenge.algorithm,
        challenge: challenge.challenge,
        salt: challenge.salt,
        maxnumber: challenge.maxnumber,
      })
    })
    if (number === null) throw new Error('the proof-of-work challenge has no solution')
    onProgress(1)
    const { algorithm, salt, signature } = challenge
    return btoa(JSON.stringify({ algorithm, challenge: challenge.challenge, number, salt, signature }))
  } finally {
    worker.terminate()
  }
}
