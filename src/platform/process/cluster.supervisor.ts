import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { AggregatorRegistry, type Registry } from 'prom-client'

/**
 * `WORKERS=N`: one primary process forks N workers that each run the whole app on the same port
 * (node:cluster hands each new connection to the next worker). A single process answers a
 * crowd's joins only as fast as one core signs tokens and parses HTTP; workers spend the other
 * cores. Their shared state lives where replicas' does, in Redis and PostgreSQL, so a worker is
 * a replica that shares a port, and the config refuses WORKERS > 1 without both.
 */

const metricsRequest = 'breakwater:metrics-request'
const metricsResponse = 'breakwater:metrics-response'

interface MetricsRequest {
  type: typeof metricsRequest
  id: number
}
interface MetricsResponse {
  type: typeof metricsResponse
  id: number
  text?: string
  error?: string
}

export interface SupervisorOptions {
  workers: number
  /** How long a worker may take to drain on SIGTERM before it is killed. */
  shutdownTimeoutMs: number
  log: Logger
  /** At most this many restarts of workers that died after they were listening, per minute. */
  maxRestartsPerMinute?: number
}

/**
 * Runs in the primary: forks the workers, restarts one that dies while serving, and on SIGTERM
 * or SIGINT lets every worker drain before exiting. Resolves with the process's exit code. A
 * worker that dies before it listens stops the whole server: it would die again (a bad database
 * URL, a port in use), and a single process would have exited too.
 */
export function superviseWorkers(options: SupervisorOptions): Promise<number> {
  const { log, shutdownTimeoutMs } = options
  const maxRestarts = options.maxRestartsPerMinute ?? 5
  const aggregator = new AggregatorRegistry()
  const listening = new WeakSet<Worker>()
  const restarts: number[] = []
  let stopping = false
  let exitCode = 0

  const alive = () => Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker)
  const killAll = (signal: NodeJS.Signals) => {
    for (const worker of alive()) worker.process.kill(signal)
  }

  return new Promise((resolve) => {
    const stop = (code: number) => {
      if (stopping) return
      stopping = true
      exitCode = code
      if (alive().length === 0) return resolve(exitCode)
      killAll('SIGTERM')
      // A worker stuck past its own drain deadline is killed; its exit still ends the wait.
      setTimeout(() => killAll('SIGKILL'), shutdownTimeoutMs + 2000).unref()
    }

    cluster.on('listening', (worker) => {
      listening.add(worker)
      log.info({ worker: worker.id, pid: worker.process.pid }, 'worker listening')
    })
    cluster.on('message', (worker, message: MetricsRequest) => {
      if (message?.type !== metricsRequest) return
      const answer = (body: Omit<MetricsResponse, 'type' | 'id'>) => {
        if (worker.isConnected()) worker.send({ type: metricsResponse, id: message.id, ...body })
      }
      aggregator.clusterMetrics().then(
        (text) => answer({ text }),
        (error: Error) => answer({ error: error.message }),
      )
    })
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (alive().length === 0) resolve(exitCode)
        return
      }
      if (!listening.has(worker)) {
        log.error(
          { worker: worker.id, code, signal },
          'a worker died before it listened; stopping the server',
        )
        return stop(1)
      }
      const now = Date.now()
      while (restarts.length > 0 && (restarts[0] as number) < now - 60_000) restarts.shift()
      if (restarts.length >= maxRestarts) {
        log.error(
          { worker: worker.id, code, signal },
          `a worker died; ${maxRestarts} restarts in a minute already, stopping the server`,
        )
        return stop(1)
      }
      restarts.push(now)
      log.warn({ worker: worker.id, code, signal }, 'a worker died while serving; starting another')
      cluster.fork()
    })

    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (stopping) {
          log.error({ signal }, 'second signal: killing the workers')
          exitCode = 1
          killAll('SIGKILL')
          return
        }
        log.info({ signal }, 'shutting down: every worker drains its in-flight requests')
        stop(0)
      })
    }
    log.info({ workers: options.workers }, 'starting workers')
    for (let i = 0; i < options.workers; i++) cluster.fork()
  })
}

/**
 * Runs in a worker: lets the primary read this worker's registry, and returns the reader of
 * every worker's metrics, summed by prom-client's cluster aggregation (each metric's
 * `aggregator` says how: counters and histograms add up, shared gauges do not). It waits longer
 * than the primary's own 5 s bound on its workers, so a slow worker is reported by the primary.
 */
export function clusterMetricsSource(registry: Registry, timeoutMs = 8000): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry])
  // Constructing one installs prom-client's answerer for the primary's requests in this worker.
  new AggregatorRegistry()
  const pending = new Map<
    number,
    { resolve: (text: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  >()
  let next = 0
  process.on('message', (message: MetricsResponse) => {
    if (message?.type !== metricsResponse) return
    const request = pending.get(message.id)
    if (!request) return
    pending.delete(message.id)
    clearTimeout(request.timer)
    if (message.text !== undefined) request.resolve(message.text)
    else request.reject(new Error(`cluster metrics: ${message.error ?? 'no answer'}`))
  })
  return () =>
    new Promise((resolve, reject) => {
      const id = next++
      const timer = setTimeout(() => {
        pending.delete(id)
        reject(new Error('cluster metrics: the primary did not answer in time'))
      }, timeoutMs)
      pending.set(id, { resolve, reject, timer })
      process.send?.({ type: metricsRequest, id } satisfies MetricsRequest)
    })
}
