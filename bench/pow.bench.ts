import { performance } from 'node:perf_hooks'
import { createChallenge, solveChallenge } from 'altcha-lib/v1'
import { powDefaults } from '../src/modules/waiting-room/pow.guard.ts'

/**
 * `npx tsx bench/pow.bench.ts [runs]`: how long altcha's own solver (the one the waiting-room page
 * runs in its worker) takes in Node on this machine, at the proof of work's floor and its cap:
 * p50 and p95 over fresh challenges, the worst case (every number tried) and hashes a second. A
 * mid-range phone is three to five times slower than one core of the reference machine.
 */
const runs = Number(process.argv[2] ?? 40)

async function measure(maxnumber: number) {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const challenge = await createChallenge({ hmacKey: 'bench', algorithm: 'SHA-256', maxnumber })
    const started = performance.now()
    const found = await solveChallenge(challenge.challenge, challenge.salt, 'SHA-256', maxnumber).promise
    times.push(performance.now() - started)
    if (!found) throw new Error('a challenge went unsolved')
  }
  times.sort((a, b) => a - b)
  const started = performance.now()
  await solveChallenge('none', 'salt', 'SHA-256', maxnumber).promise
  const worstMs = performance.now() - started
  const at = (q: number) => Math.round(times[Math.min(runs - 1, Math.floor(runs * q))] as number)
  return {
    maxnumber,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    worstMs: Math.round(worstMs),
    hashesPerSec: Math.round((maxnumber / worstMs) * 1000),
  }
}

for (const maxnumber of [powDefaults.floor, powDefaults.cap])
  console.log(JSON.stringify(await measure(maxnumber)))
