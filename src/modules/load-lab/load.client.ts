import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { StepStats } from './step.stats.ts'

export interface LoadResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server under test, read field by field.
  body: any
}

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  headers?: Record<string, string>
  json?: unknown
  /** Statuses that are a normal answer for this step (e.g. 409 sold out on a hold). */
  expect?: number[]
  /**
   * `probe`: the driver's own measurements (frontier samples, admin, read-back) go over two
   * sockets of their own, so they are not queued behind the crowd they measure. `checkout`: the
   * crowd's pool, but not cut when the run ends, so a buyer holding a ticket finishes the order.
   */
  lane?: 'crowd' | 'probe' | 'checkout'
}

/** Hosts a run may target without `--allow-remote`: this machine only. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * The load driver's HTTP side: one undici pool with a bounded number of connections shared by
 * every simulated user, so a user who is only waiting costs a timer, not a socket. Every request
 * is timed into its step's HDR histogram, failures included.
 */
export class LoadClient {
  private readonly pool: Pool
  private readonly checkoutPool: Pool
  private readonly probe: Pool
  private crowdEnded = false
  readonly steps = new Map<string, StepStats>()
  inFlight = 0
  /** Crowd requests still queued or running when the run ended: dropped, not counted as errors. */
  abandonedAtEnd = 0

  constructor(
    readonly target: URL,
    options: { connections: number; timeoutMs: number },
  ) {
    this.pool = new Pool(target.origin, {
      connections: options.connections,
      pipelining: 1,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
    })
    this.checkoutPool = new Pool(target.origin, {
      connections: Math.max(4, Math.ceil(options.connections / 4)),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
    this.probe = new Pool(target.origin, {
      connections: 2,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    })
  }

  /**
   * Ends the crowd's requests when the run ends: an overloaded run can have hundreds of thousands
   * queued in the pool, and draining them would outlive the run's bound. Destroying the pool fails
   * them all at once; an abort signal per request would cost a listener each on one signal.
   */
  endCrowd(): void {
    if (this.crowdEnded) return
    this.crowdEnded = true
    this.pool.destroy().catch(() => {})
  }

  stats(step: string): StepStats {
    let stats = this.steps.get(step)
    if (!stats) {
      stats = new StepStats()
      this.steps.set(step, stats)
    }
    return stats
  }

  /** Sends one request and records it; network failures come back as status 0, never as a throw. */
  async send(step: string, request: LoadRequest): Promise<LoadResponse> {
    const stats = this.stats(step)
    const headers: Record<string, string> = { ...request.headers }
    let body: string | undefined
    if (request.json !== undefined) {
      body = JSON.stringify(request.json)
      headers['content-type'] = 'application/json'
    }
    const crowd = request.lane === undefined || request.lane === 'crowd'
    const pool = crowd ? this.pool : request.lane === 'probe' ? this.probe : this.checkoutPool
    const started = performance.now()
    this.inFlight++
    try {
      if (crowd && this.crowdEnded) throw new Error('run ended')
      const response = await pool.request({
        origin: this.target.origin,
        method: request.method,
        path: request.path,
        headers,
        body,
      })
      const text = await response.body.text()
      const latency = performance.now() - started
      const status = response.statusCode
      const expected = (status >= 200 && status < 300) || (request.expect ?? []).includes(status)
      stats.record(latency, { status, expected })
      let parsed: unknown = null
      try {
        parsed = text ? JSON.parse(text) : null
      } catch {
        parsed = { raw: text.slice(0, 200) }
      }
      return { status, body: parsed }
    } catch (error) {
      if (crowd && this.crowdEnded) {
        this.abandonedAtEnd++
        return { status: 0, body: { error: 'run ended' } }
      }
      const code = (error as { code?: string }).code ?? (error as Error).name ?? 'unknown'
      stats.record(performance.now() - started, { error: code, expected: false })
      return { status: 0, body: { error: code } }
    } finally {
      this.inFlight--
    }
  }

  /** Closes the current second of every step. */
  tick(t: number): void {
    for (const stats of this.steps.values()) stats.tick(t)
  }

  async close(): Promise<void> {
    this.endCrowd()
    await Promise.all([this.checkoutPool.close(), this.probe.close()])
  }
}
