import type { RunResults } from './load.run.ts'

/** The short text a run prints on stdout: figures per step, counts, and each check. */
export function textSummary(results: RunResults): string {
  const lines = [
    `${results.scenario} against ${results.target}: ${results.durationSeconds} s, ${results.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `${'step'.padEnd(14)}${'count'.padStart(9)}${'failed'.padStart(8)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}`,
  ]
  for (const [name, step] of Object.entries(results.steps)) {
    const l = step.latencyMs
    lines.push(
      `${name.padEnd(14)}${String(step.count).padStart(9)}${String(step.count - step.ok).padStart(8)}${l.p50.toFixed(1).padStart(9)}${l.p95.toFixed(1).padStart(9)}${l.p99.toFixed(1).padStart(9)}${l.max.toFixed(0).padStart(9)}`,
    )
  }
  lines.push(
    '',
    Object.entries(results.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
    '',
  )
  for (const check of results.checks)
    lines.push(`${check.ok === null ? 'n/a ' : check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`)
  return lines.join('\n')
}

/** Two runs side by side: counts, per-step latency and checks, with the ratio b ÷ a. */
export function compareSummary(a: RunResults, b: RunResults): string {
  const row = (label: string, x: number | undefined, y: number | undefined) => {
    const ratio = x && y !== undefined ? (y / x).toFixed(2) : '—'
    return `${label.padEnd(30)}${String(x ?? '—').padStart(12)}${String(y ?? '—').padStart(12)}${ratio.padStart(9)}`
  }
  const lines = [
    `a: ${a.scenario} ${a.startedAt} (${a.passed ? 'passed' : 'FAILED'})`,
    `b: ${b.scenario} ${b.startedAt} (${b.passed ? 'passed' : 'FAILED'})`,
    '',
    `${''.padEnd(30)}${'a'.padStart(12)}${'b'.padStart(12)}${'b ÷ a'.padStart(9)}`,
    row('duration s', a.durationSeconds, b.durationSeconds),
  ]
  for (const key of new Set([...Object.keys(a.counts), ...Object.keys(b.counts)]))
    lines.push(row(key, a.counts[key], b.counts[key]))
  for (const step of new Set([...Object.keys(a.steps), ...Object.keys(b.steps)])) {
    const x = a.steps[step]
    const y = b.steps[step]
    lines.push(row(`${step} count`, x?.count, y?.count))
    lines.push(row(`${step} p50 ms`, x?.latencyMs.p50, y?.latencyMs.p50))
    lines.push(row(`${step} p99 ms`, x?.latencyMs.p99, y?.latencyMs.p99))
    lines.push(row(`${step} failed`, x && x.count - x.ok, y && y.count - y.ok))
  }
  lines.push('')
  const mark = (ok: boolean | null | undefined) =>
    ok === undefined ? '—' : ok === null ? 'n/a' : ok ? 'ok' : 'FAIL'
  for (const name of new Set([...a.checks.map((c) => c.name), ...b.checks.map((c) => c.name)])) {
    const x = a.checks.find((c) => c.name === name)
    const y = b.checks.find((c) => c.name === name)
    lines.push(`${name.padEnd(42)}${mark(x?.ok).padStart(6)}${mark(y?.ok).padStart(6)}`)
  }
  return lines.join('\n')
}
