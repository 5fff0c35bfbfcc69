import * as hdr from 'hdr-histogram-js'

/** Latency and outcome figures of one request step (join, status, hold…) over a whole run. */
export interface StepSummary {
  count: number
  ok: number
  /** Responses by status class or reason: `4xx:409`, `5xx:503`, `error:ECONNRESET`. */
  failures: Record<string, number>
  serverErrors: number
  networkErrors: number
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; mean: number }
}

/** One second of one step: what the report's charts draw. */
export interface StepSecond {
  t: number
  count: number
  errors: number
  p50: number
  p99: number
}

const histogram = () =>
  // Microseconds up to an hour: a request slower than that is a bug in the run, not a figure.
  hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  })

const ms = (micros: number) => Math.round(micros) / 1000

/** HDR histograms per step: one for the whole run, one for the current second (reset each second). */
export class StepStats {
  private readonly total = histogram()
  private readonly window = histogram()
  private windowErrors = 0
  count = 0
  ok = 0
  serverErrors = 0
  networkErrors = 0
  readonly failures: Record<string, number> = {}
  readonly seconds: StepSecond[] = []

  record(latencyMs: number, outcome: { status?: number; error?: string; expected: boolean }): void {
    const micros = Math.max(1, Math.round(latencyMs * 1000))
    this.total.recordValue(micros)
    this.window.recordValue(micros)
    this.count++
    if (outcome.expected) {
      this.ok++
      return
    }
    this.windowErrors++
    const key = outcome.error
      ? `error:${outcome.error}`
      : `${Math.floor((outcome.status ?? 0) / 100)}xx:${outcome.status}`
    this.failures[key] = (this.failures[key] ?? 0) + 1
    if (outcome.error) this.networkErrors++
    else if ((outcome.status ?? 0) >= 500) this.serverErrors++
  }

  /** Closes the current second; `t` is seconds since the run started. */
  tick(t: number): void {
    const count = this.window.totalCount
    this.seconds.push({
      t,
      count,
      errors: this.windowErrors,
      p50: count ? ms(this.window.getValueAtPercentile(50)) : 0,
      p99: count ? ms(this.window.getValueAtPercentile(99)) : 0,
    })
    this.window.reset()
    this.windowErrors = 0
  }

  summary(): StepSummary {
    const h = this.total
    const at = (p: number) => (h.totalCount ? ms(h.getValueAtPercentile(p)) : 0)
    return {
      count: this.count,
      ok: this.ok,
      failures: { ...this.failures },
      serverErrors: this.serverErrors,
      networkErrors: this.networkErrors,
      latencyMs: {
        p50: at(50),
        p90: at(90),
        p95: at(95),
        p99: at(99),
        max: h.totalCount ? ms(h.maxValue) : 0,
        mean: h.totalCount ? ms(h.mean) : 0,
      },
    }
  }
}
