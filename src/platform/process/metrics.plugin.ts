import { performance } from 'node:perf_hooks'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { clusterMetricsSource } from './cluster.supervisor.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's own Prometheus registry; modules register their metrics here. */
    metrics: Registry
    /** Records one request in the HTTP histogram, by route template, method and status. */
    observeRequest(route: string, method: string, status: number, seconds: number): void
  }
}

export interface MetricsOptions {
  version: string
  role: string
  /** A worker of a `WORKERS=N` cluster: `GET /metrics` answers for every worker, summed. */
  clusterWorker?: boolean
}

/** Prometheus metrics: process defaults, an HTTP histogram by route template, and `GET /metrics`. */
export const metricsPlugin = fp<MetricsOptions>(
  async (app, options) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 })
    new Gauge({
      name: 'breakwater_build_info',
      help: 'Always 1; labels say which build and role this process runs',
      labelNames: ['version', 'role'],
      registers: [registry],
      aggregator: 'first',
    }).set({ version: options.version, role: options.role }, 1)
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by route template, method and status code',
      labelNames: ['route', 'method', 'status_code'],
      // 0.05 and 0.4 are SLO thresholds (deploy/slo/slos.yaml): a latency SLO needs a bucket at its bound.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.4, 0.5, 1, 2.5, 5],
      registers: [registry],
    })
    let lastUtilization = performance.eventLoopUtilization()
    new Gauge({
      name: 'nodejs_eventloop_utilization_ratio',
      help: 'Share of time the event loop was busy since the previous scrape',
      registers: [registry],
      // In a cluster, the busiest worker's: the one that saturates first.
      aggregator: 'max',
      collect() {
        const now = performance.eventLoopUtilization()
        this.set(performance.eventLoopUtilization(now, lastUtilization).utilization)
        lastUtilization = now
      },
    })
    app.decorate('metrics', registry)
    // One histogram child per label set, looked up by a joined key: prom-client hashes a label
    // object on every observe, which shows at tens of thousands of requests a second.
    const children = new Map<string, { observe(seconds: number): void }>()
    const observeRequest = (route: string, method: string, status: number, seconds: number) => {
      const key = `${route} ${method} ${status}`
      let child = children.get(key)
      if (!child) {
        child = duration.labels({ route, method, status_code: String(status) })
        children.set(key, child)
      }
      child.observe(seconds)
    }
    app.decorate('observeRequest', observeRequest)
    // Callback style, not async: no promise per request on the hottest paths.
    app.addHook('onResponse', (request, reply, done) => {
      // The route template, never the raw URL, keeps the label set bounded.
      observeRequest(
        request.routeOptions.url ?? 'unmatched',
        request.method,
        reply.statusCode,
        reply.elapsedTime / 1000,
      )
      done()
    })
    // A scrape reaches one worker of a cluster (whichever holds the connection); it answers for all.
    const exposition = options.clusterWorker ? clusterMetricsSource(registry) : () => registry.metrics()
    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      reply.type(registry.contentType)
      return exposition()
    })
  },
  { name: 'metrics' },
)
