import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import { AppError } from '../http/errors.catalogue.ts'
import { problemOf } from '../http/errors.plugin.ts'
import { requestIdOf } from '../http/request.id.ts'
import { carriesMetricsToken, type MetricsExposure, metricsNotServed } from '../security/metrics.access.ts'
import { clusterMetricsSource } from './cluster.supervisor.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's own Prometheus registry; modules register their metrics here. */
    metrics: Registry
    /** Records one request in the HTTP histogram, by route template, method and status. */
    observeRequest(route: string, method: string, status: number, seconds: number): void
    /**
     * Starts serving `GET /metrics` on `METRICS_PORT`, when one is set: resolves with the port bound,
     * or null when metrics are served on the main port only. Closed with the app.
     */
    listenMetrics(): Promise<number | null>
  }
}

export interface MetricsOptions {
  version: string
  role: string
  /** A worker of a `WORKERS=N` cluster: `GET /metrics` answers for every worker, summed. */
  clusterWorker?: boolean
  /** Who may read `GET /metrics`, and on which port; the main port's check is the request gate's. */
  exposure: MetricsExposure
}

/**
 * Prometheus metrics: process defaults, an HTTP histogram by route template, and `GET /metrics`, on
 * the main port for the clients the request gate lets through and on a port of its own if asked.
 */
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
    app.get('/metrics', { schema: { hide: true }, config: { gate: 'metrics' } }, async (_request, reply) => {
      reply.type(registry.contentType)
      return exposition()
    })

    const { port, host } = options.exposure
    let server: Server | null = null
    app.decorate('listenMetrics', async () => {
      if (port === null) return null
      if (server !== null) return (server.address() as AddressInfo).port
      const metricsServer = createServer((request, response) => {
        serveMetricsPort(request, response, {
          token: options.exposure.token,
          contentType: registry.contentType,
          exposition,
          log: app.log,
        })
      })
      metricsServer.keepAliveTimeout = 5_000
      metricsServer.requestTimeout = 30_000
      await new Promise<void>((resolve, reject) => {
        metricsServer.once('error', reject)
        metricsServer.listen({ port, host }, () => {
          metricsServer.off('error', reject)
          resolve()
        })
      })
      server = metricsServer
      return (metricsServer.address() as AddressInfo).port
    })
    app.addHook('onClose', async () => {
      const open = server
      if (open === null) return
      open.closeAllConnections()
      await new Promise<void>((resolve) => open.close(() => resolve()))
    })
  },
  { name: 'metrics' },
)

/**
 * `METRICS_PORT`'s whole server: `GET /metrics` (to anyone who reaches the port, or only with the
 * token when one is set) and a problem document for everything else. It is not Fastify: nothing
 * of the API is served here, and a scrape costs no hook of the main port.
 */
function serveMetricsPort(
  request: IncomingMessage,
  response: ServerResponse,
  port: {
    token: string | null
    contentType: string
    exposition: () => Promise<string>
    log: FastifyBaseLogger
  },
): void {
  const url = request.url ?? '/'
  const origin = { url, id: requestIdOf(request.headers['x-request-id']) }
  const answer = (status: number, type: string, body: string | undefined) => {
    response.writeHead(status, { 'content-type': type, 'x-request-id': origin.id })
    response.end(request.method === 'HEAD' ? undefined : body)
  }
  const problem = (error: AppError) =>
    answer(
      error.status,
      'application/problem+json; charset=utf-8',
      JSON.stringify(problemOf(error.code, error.message, origin)),
    )
  const served =
    url.split('?')[0] === '/metrics' &&
    (request.method === 'GET' || request.method === 'HEAD') &&
    (port.token === null || carriesMetricsToken(request.headers, port.token))
  if (!served) {
    problem(metricsNotServed(request.method ?? 'GET', url))
    return
  }
  port.exposition().then(
    (body) => answer(200, port.contentType, body),
    (error: unknown) => {
      port.log.error({ err: error }, 'metrics exposition failed')
      problem(new AppError('BW_INTERNAL'))
    },
  )
}
