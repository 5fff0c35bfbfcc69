import { execFileSync } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { createScratchDatabase, startPurchaseApp } from './purchase.rig.ts'

/**
 * Hold + order throughput on PostgreSQL against pgbench running a conditional stock update on the
 * same server in the same run, then p95 latency at half the measured rate. Service level (no HTTP):
 * this measures the sales engine and PostgreSQL, not Fastify.
 *
 * BENCH_DATABASE_URL (or TEST_DATABASE_URL): a server where a scratch database may be created.
 */
const base = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL
if (!base) {
  console.error(
    'set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/test',
  )
  process.exit(2)
}
const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const clients = 20

const { url, script, drop } = await createScratchDatabase(base, 'bw_bench')

try {
  // 1. pgbench: the floor of what one hot row can do on this server.
  const out = execFileSync(
    'pgbench',
    ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, url.toString()],
    { encoding: 'utf8' },
  )
  const pgbenchTps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? Number.NaN)

  // 2. The sales engine: hold one ticket, then order it with an Idempotency-Key, as fast as it goes.
  const { app, purchase } = await startPurchaseApp(url, 'Bench')

  let done = 0
  let failed = 0
  const until = performance.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        await purchase().then(
          () => done++,
          () => failed++,
        )
      }
    }),
  )
  const rate = done / seconds

  // 3. Open loop at half that rate: latency as a buyer sees it, without queueing behind the bench.
  const target = rate / 2
  const latencies: number[] = []
  const started = performance.now()
  const inflight: Promise<void>[] = []
  for (let i = 0; i < target * seconds; i++) {
    const due = started + (i * 1000) / target
    const wait = due - performance.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    const t0 = performance.now()
    inflight.push(
      purchase().then(
        () => {
          latencies.push(performance.now() - t0)
        },
        () => {
          failed++
        },
      ),
    )
  }
  await Promise.all(inflight)
  latencies.sort((a, b) => a - b)
  const p = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN
  await app.close()

  console.log(`pgbench conditional update (${clients} clients, ${seconds}s): ${pgbenchTps.toFixed(0)} tps`)
  console.log(
    `hold + order (${clients} workers, ${seconds}s): ${rate.toFixed(0)} purchases/s, ${failed} failed`,
  )
  console.log(`ratio: ${(rate / pgbenchTps).toFixed(2)} × pgbench (target ≥ 0.5)`)
  console.log(
    `at ${target.toFixed(0)}/s: p50 ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms (target p95 ≤ 100 ms)`,
  )
} finally {
  await drop()
}
