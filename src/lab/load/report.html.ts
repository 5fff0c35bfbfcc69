import type { RunResults } from './load.run.ts'

interface Series {
  name: string
  points: [number, number][]
}

const palette = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
]

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  )

/** Rounds an axis maximum up to 1, 2 or 5 × a power of ten so the ticks read well. */
function niceMax(value: number): number {
  if (value <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power
  return 10 * power
}

/** A line chart as inline SVG: no script, no external asset, so the report is one file. */
export function lineChart(title: string, unit: string, series: Series[]): string {
  const width = 720
  const height = 240
  const left = 60
  const right = 150
  const top = 28
  const bottom = 30
  const xs = series.flatMap((s) => s.points.map((p) => p[0]))
  const ys = series.flatMap((s) => s.points.map((p) => p[1]))
  const xMax = Math.max(1, ...xs)
  const yMax = niceMax(Math.max(0, ...ys))
  const x = (v: number) => left + (v / xMax) * (width - left - right)
  const y = (v: number) => top + (1 - v / yMax) * (height - top - bottom)
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = yMax * f
      return `<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${Number(v.toPrecision(3))}</text>`
    })
    .join('')
  const xTicks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<text x="${x(xMax * f)}" y="${height - 10}" text-anchor="middle" font-size="11">${Math.round(xMax * f)} s</text>`,
    )
    .join('')
  const lines = series
    .map((s, i) => {
      const colour = palette[i % palette.length]
      const path = s.points
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
        .join('')
      const legend = `<rect x="${width - right + 10}" y="${top + i * 16}" width="10" height="10" fill="${colour}"/><text x="${width - right + 24}" y="${top + i * 16 + 9}" font-size="11">${escapeHtml(s.name)}</text>`
      return `${path ? `<path d="${path}" fill="none" stroke="${colour}" stroke-width="1.5"/>` : ''}${legend}`
    })
    .join('')
  const empty =
    ys.length === 0
      ? `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" fill="#888">no data</text>`
      : ''
  return `<figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><text x="${left}" y="16" font-size="13" font-weight="bold">${escapeHtml(title)} (${escapeHtml(unit)})</text>${grid}${xTicks}${lines}${empty}</svg></figure>`
}

/** Admitted per second from the frontier samples: the serving number's slope between samples. */
function admittedPerSecond(results: RunResults): [number, number][] {
  const points: [number, number][] = []
  const samples = results.frontier
  let from = samples[0]
  for (const sample of samples) {
    if (!from || sample.t - from.t < 1) continue
    points.push([sample.t, (sample.servingNumber - from.servingNumber) / (sample.t - from.t)])
    from = sample
  }
  return points
}

/** The whole run as one self-contained HTML page: checks, figures and charts. */
export function htmlReport(results: RunResults): string {
  const steps = Object.entries(results.steps).filter(([name]) => name !== 'admin')
  const throughput = lineChart(
    'Throughput per step',
    'requests/s',
    steps.map(([name, s]) => ({ name, points: s.seconds.map((p) => [p.t, p.count] as [number, number]) })),
  )
  const p99 = lineChart(
    'Latency p99 per step',
    'ms',
    steps.map(([name, s]) => ({
      name,
      points: s.seconds.filter((p) => p.count > 0).map((p) => [p.t, p.p99] as [number, number]),
    })),
  )
  const p50 = lineChart(
    'Latency p50 per step',
    'ms',
    steps.map(([name, s]) => ({
      name,
      points: s.seconds.filter((p) => p.count > 0).map((p) => [p.t, p.p50] as [number, number]),
    })),
  )
  const queue = lineChart('Queue length', 'users waiting', [
    { name: 'waiting', points: results.frontier.map((f) => [f.t, f.waiting]) },
    { name: 'active', points: results.frontier.map((f) => [f.t, f.active]) },
  ])
  const admitted = lineChart('Admitted per second', 'users/s', [
    { name: 'admitted', points: admittedPerSecond(results) },
    ...(typeof results.options.rate === 'number'
      ? [
          {
            name: 'setting',
            points: admittedPerSecond(results).map(
              ([t]) => [t, results.options.rate as number] as [number, number],
            ),
          },
        ]
      : []),
  ])
  const errors = lineChart(
    'Errors per second',
    'responses/s',
    steps.map(([name, s]) => ({ name, points: s.seconds.map((p) => [p.t, p.errors] as [number, number]) })),
  )
  const checkRows = results.checks
    .map((c) => {
      const mark = c.ok === null ? 'n/a' : c.ok ? 'ok' : 'FAIL'
      return `<tr class="${mark === 'FAIL' ? 'fail' : ''}"><td>${mark}</td><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.detail)}</td></tr>`
    })
    .join('')
  const stepRows = Object.entries(results.steps)
    .map(([name, s]) => {
      const l = s.latencyMs
      const failures = Object.entries(s.failures)
        .map(([k, v]) => `${k} × ${v}`)
        .join(', ')
      return `<tr><td>${escapeHtml(name)}</td><td>${s.count}</td><td>${s.count - s.ok}</td><td>${l.p50}</td><td>${l.p90}</td><td>${l.p95}</td><td>${l.p99}</td><td>${l.max}</td><td>${escapeHtml(failures)}</td></tr>`
    })
    .join('')
  const countRows = Object.entries(results.counts)
    .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${v}</td></tr>`)
    .join('')
  const options = escapeHtml(JSON.stringify(results.options))
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Breakwater load lab: ${escapeHtml(results.scenario)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;font-size:.9rem}
tr.fail td{background:#fdd}.verdict{font-size:1.4rem;font-weight:bold}.pass{color:#1a7f37}.failed{color:#c62828}
figure{margin:1rem 0}code{font-size:.85rem}
</style></head><body>
<h1>Load lab: ${escapeHtml(results.scenario)}</h1>
<p class="verdict ${results.passed ? 'pass' : 'failed'}">${results.passed ? 'Correct: every check passed' : 'FAILED: a correctness check failed'}</p>
<p>Target ${escapeHtml(results.target)}, started ${escapeHtml(results.startedAt)}, ${results.durationSeconds} s. Event <code>${escapeHtml(results.eventId ?? '—')}</code>.</p>
<p>Options: <code>${options}</code></p>
<h2>Correctness</h2><table><tr><th></th><th>check</th><th>detail</th></tr>${checkRows}</table>
<h2>Steps</h2><table><tr><th>step</th><th>count</th><th>failed</th><th>p50 ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>failures</th></tr>${stepRows}</table>
<h2>Counts</h2><table>${countRows}</table>
<h2>Charts</h2>${throughput}${p50}${p99}${queue}${admitted}${errors}
</body></html>
`
}
