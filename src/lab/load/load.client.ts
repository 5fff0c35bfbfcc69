import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { Http1Pool } from './http1.pool.ts'
import { StepStats } from './step.stats.ts'

export interface LoadResponse {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server under test, read field by field.
  body: any
}

/**
 * Hears the answer to one request sent with `dispatch`: the status (0 when the request failed or
 * the run cut it, with `{error}` as the body) and the parsed body. An object with a method rather
 * than a callback, so a simulated user can hear its own answers without a closure per request.
 */
export interface Recipient {
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the server under test, read field by field.
  answered(status: number, body: any): void
}

export interface LoadRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  headers?: Record<string, string>
  json?: unknown
  /** Statuses that are a normal answer for this step (e.g. 409 sold out on a hold). */
  expect?: number[]
  /**
   * `crowd` (the default): joins and polls. `shopper`: an admitted user's enter and hold, on
   * sockets of their own, so that a slow hold never delays someone else's join, as it would not
   * with a real crowd where everyone has a connection. Both are cut when the run ends.
   * `checkout`: orders, not cut when the run ends, so a buyer holding a ticket finishes the order.
   * `probe`: the driver's own measurements (frontier samples, admin, read-back) go over two
   * sockets of their own, so they are not queued behind the crowd they measure.
   */
  lane?: 'crowd' | 'shopper' | 'probe' | 'checkout'
}

/**
 * The address the `n`th simulated user arrives from, sent as `X-Forwarded-For`: a /64 of its own in
 * the documentation range (2001:db8::/32), so a server that trusts this machine as its proxy
 * (`TRUST_PROXY=loopback`) counts each user under its own address, as it would a real crowd's.
 * A server that trusts no proxy ignores the header, and its per-address limits see one client.
 */
export function simulatedAddress(n: number): string {
  return `2001:db8:${((n >>> 16) & 0xffff).toString(16)}:${(n & 0xffff).toString(16)}::1`
}

/** Hosts a run may target without `--allow-remote`: this machine only. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

type LanePool = Http1Pool | Pool

/** The driver's own lean pool for plain http; undici for a remote https target. */
function lanePool(target: URL, connections: number, timeoutMs: number): LanePool {
  const connectTimeoutMs = Math.min(timeoutMs, 10_000)
  if (target.protocol === 'http:') return new Http1Pool(target, { connections, timeoutMs, connectTimeoutMs })
  return new Pool(target.origin, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: connectTimeoutMs,
  })
}

/**
 * The load driver's HTTP side: a few pools with a bounded number of connections each, one per lane
 * (see `LoadRequest.lane`), shared by every simulated user, so a user who is only waiting costs a
 * timer, not a socket. Every request is timed into its step's HDR histogram, failures included.
 *
 * Requests go through the driver's own lean HTTP/1.1 pools (see http1.pool.ts), or undici's for
 * an https target, with one small handler object each: undici's `request()` built a body stream,
 * a promise and a parsed header object per response, and under overload every queued request
 * held them for seconds.
 */
export class LoadClient {
  private readonly pool: LanePool
  private readonly shopperPool: LanePool
  private readonly checkoutPool: LanePool
  private readonly probe: LanePool
  crowdEnded = false
  readonly steps = new Map<string, StepStats>()
  inFlight = 0
  /** Crowd requests still queued or running when the run ended: dropped, not counted as errors. */
  abandonedAtEnd = 0

  constructor(
    readonly target: URL,
    options: { connections: number; timeoutMs: number },
  ) {
    this.pool = lanePool(target, options.connections, options.timeoutMs)
    this.shopperPool = lanePool(target, Math.max(4, Math.ceil(options.connections / 2)), options.timeoutMs)
    this.checkoutPool = lanePool(target, Math.max(4, Math.ceil(options.connections / 4)), options.timeoutMs)
    this.probe = lanePool(target, 2, options.timeoutMs)
  }

  /**
   * Ends the crowd's and the shoppers' requests when the run ends: an overloaded run can have
   * hundreds of thousands queued in the pools, and draining them would outlive the run's bound.
   * Destroying a pool fails them all at once; an abort signal per request would cost a listener
   * each on one signal.
   */
  endCrowd(): void {
    if (this.crowdEnded) return
    this.crowdEnded = true
    for (const pool of [this.pool, this.shopperPool]) {
      if (pool instanceof Http1Pool) pool.destroy()
      else pool.destroy().catch(() => {})
    }
  }

  stats(step: string): StepStats {
    let stats = this.steps.get(step)
    if (!stats) {
      stats = new StepStats()
      this.steps.set(step, stats)
    }
    return stats
  }

  /**
   * Sends one request, records it, and tells `recipient` the answer. Failures are answered as
   * status 0, never thrown; a request that cannot even be sent (the run has ended) is answered
   * before this returns, so a recipient sends its next request last.
   */
  dispatch(step: string, request: LoadRequest, recipient: Recipient): void {
    const cutAtEnd = request.lane === undefined || request.lane === 'crowd' || request.lane === 'shopper'
    const exchange = new Exchange(this, this.stats(step), request.expect, cutAtEnd, recipient)
    this.inFlight++
    if (cutAtEnd && this.crowdEnded) {
      exchange.onError(new Error('run ended'))
      return
    }
    let headers = request.headers
    let body: string | undefined
    if (request.json !== undefined) {
      body = JSON.stringify(request.json)
      headers = { ...headers, 'content-type': 'application/json' }
    }
    const options = { method: request.method, path: request.path, headers, body }
    this.poolOf(request.lane).dispatch(options, exchange)
  }

  private poolOf(lane: LoadRequest['lane']): LanePool {
    if (lane === 'shopper') return this.shopperPool
    if (lane === 'checkout') return this.checkoutPool
    if (lane === 'probe') return this.probe
    return this.pool
  }

  /** Sends one request and records it; network failures come back as status 0, never as a throw. */
  send(step: string, request: LoadRequest): Promise<LoadResponse> {
    return new Promise((resolve) =>
      this.dispatch(step, request, { answered: (status, body) => resolve({ status, body }) }),
    )
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

/**
 * One request in flight, as a dispatch handler of either pool: collects the body, records the
 * latency (from the moment the user sent it, so time queued in the pool counts) and answers the
 * recipient.
 */
class Exchange {
  private readonly started = performance.now()
  private status = 0
  private chunks: Buffer | Buffer[] | null = null

  constructor(
    private readonly client: LoadClient,
    private readonly stats: StepStats,
    private readonly expect: number[] | undefined,
    /** On a lane cut when the run ends: a failure after that is not counted as an error. */
    private readonly cutAtEnd: boolean,
    private readonly recipient: Recipient,
  ) {}

  onConnect(): void {}

  onHeaders(status: number): boolean {
    this.status = status
    return true
  }

  onData(chunk: Buffer): boolean {
    const chunks = this.chunks
    if (chunks === null) this.chunks = chunk
    else if (Array.isArray(chunks)) chunks.push(chunk)
    else this.chunks = [chunks, chunk]
    return true
  }

  onComplete(): void {
    const latency = performance.now() - this.started
    const { status, chunks } = this
    this.chunks = null
    const expected = (status >= 200 && status < 300) || (this.expect?.includes(status) ?? false)
    this.stats.record(latency, { status, expected })
    this.client.inFlight--
    const text =
      chunks === null ? '' : Array.isArray(chunks) ? Buffer.concat(chunks).toString() : chunks.toString()
    let parsed: unknown = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = { raw: text.slice(0, 200) }
    }
    this.answer(status, parsed)
  }

  onError(error: Error): void {
    this.client.inFlight--
    if (this.cutAtEnd && this.client.crowdEnded) {
      this.client.abandonedAtEnd++
      this.answer(0, { error: 'run ended' })
      return
    }
    const code = (error as { code?: string }).code ?? error.name ?? 'unknown'
    this.stats.record(performance.now() - this.started, { error: code, expected: false })
    this.answer(0, { error: code })
  }

  /**
   * A recipient's bug must not look like a network failure: undici would turn a throw here into
   * onError and a second answer. It surfaces as an uncaught exception instead.
   */
  private answer(status: number, body: unknown): void {
    try {
      this.recipient.answered(status, body)
    } catch (error) {
      queueMicrotask(() => {
        throw error
      })
    }
  }
}
