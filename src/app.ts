import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import helmet from '@fastify/helmet'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { Counter } from 'prom-client'
import type { Config, Role } from './config.ts'
import { accountsPlugin } from './modules/accounts/accounts.plugin.ts'
import { accountsRoutes } from './modules/accounts/accounts.routes.ts'
import { auditPlugin } from './modules/audit/audit.plugin.ts'
import { auditRoutes } from './modules/audit/audit.routes.ts'
import { eventsPlugin } from './modules/events/events.plugin.ts'
import { eventsRoutes } from './modules/events/events.routes.ts'
import { outboxPlugin } from './modules/outbox/outbox.plugin.ts'
import { paymentsPlugin } from './modules/payments/payments.plugin.ts'
import { paymentsRoutes } from './modules/payments/payments.routes.ts'
import { holdsRoutes } from './modules/sales/holds.routes.ts'
import { ordersRoutes } from './modules/sales/orders.routes.ts'
import { salesPlugin } from './modules/sales/sales.plugin.ts'
import { stockPlugin } from './modules/sales/stock.plugin.ts'
import { waitingRoomPlugin } from './modules/waiting-room/queue.plugin.ts'
import { queueRoutes } from './modules/waiting-room/queue.routes.ts'
import { webPlugin } from './modules/web/web.plugin.ts'
import { databasePlugin } from './platform/data/database.plugin.ts'
import type { RedisClient } from './platform/data/redis.client.ts'
import { redisPlugin } from './platform/data/redis.plugin.ts'
import { ClientAddresses } from './platform/http/client.address.ts'
import { CrowdLane } from './platform/http/crowd.lane.ts'
import {
  clientErrorHandler,
  errorsPlugin,
  frameworkErrors,
  toProblem,
} from './platform/http/errors.plugin.ts'
import { strictJsonBodies } from './platform/http/json.parser.ts'
import { openapiPlugin } from './platform/http/openapi.plugin.ts'
import { RequestGate } from './platform/http/request.gate.ts'
import { requestIdOf } from './platform/http/request.id.ts'
import { validatorCompiler } from './platform/http/validation.compiler.ts'
import { healthPlugin } from './platform/process/health.plugin.ts'
import { logOptions } from './platform/process/log.options.ts'
import { metricsPlugin } from './platform/process/metrics.plugin.ts'
import type { AccessTokens } from './platform/security/access.tokens.ts'
import { admissionPlugin } from './platform/security/admission.plugin.ts'
import { authPlugin } from './platform/security/auth.plugin.ts'
import { loadInspector, RequestInspection } from './platform/security/inspection/inspection.check.ts'
import { metricsAccessCheck } from './platform/security/metrics.access.ts'
import { rateLimitCheck } from './platform/security/rate.limits.ts'
import { loadOrCreateSecret } from './platform/security/secrets.store.ts'
import { securityLogRoutes } from './platform/security/security.log.routes.ts'
import { SecurityLog, type SecurityLogEntry } from './platform/security/security.log.ts'

export const version: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version

export interface BuildOptions {
  config: Config
  /** Fastify's logger option; tests pass false. */
  logger?: FastifyServerOptions['logger']
  /** This process is one worker of a `WORKERS=N` cluster (see `cluster.supervisor.ts`). */
  clusterWorker?: boolean
  /** Start the embedded database from this copy (tests; see `DatabaseOptions.pgliteTemplate`). */
  pgliteTemplate?: Blob
}

/** Where each stage of the request gate sits; lower runs first. */
export const gateStages = {
  blocklist: 100,
  rateLimit: 200,
  inspection: 300,
  proofOfWork: 400,
  /** Who may read `/metrics`: loopback, or the metrics token. */
  metricsAccess: 500,
} as const

const servesApi = (role: Role) => role === 'all' || role === 'api'
const servesGateway = (role: Role) => role === 'all' || role === 'gateway'

/**
 * Builds the Breakwater app: infrastructure plugins, then domain services, then routes, in that
 * order. The role decides which routes this process serves.
 */
export async function buildApp({
  config,
  logger,
  clusterWorker = false,
  pgliteTemplate,
}: BuildOptions): Promise<FastifyInstance> {
  const clientAddresses = new ClientAddresses(config.trustedProxies)
  // Counted by the metrics once they are registered (below); the log itself starts now, for the gate.
  let countShield: (entry: SecurityLogEntry) => void = () => {}
  const securityLog = new SecurityLog({
    dir: config.securityLogDir,
    addresses: clientAddresses,
    onEntry: (entry) => countShield(entry),
  })
  const gate = new RequestGate((request, error, stage) => securityLog.refusal(request, error, stage))
  // Redis and the access tokens are set up by plugins below, before the first request.
  let redis: RedisClient | null = null
  let tokens: AccessTokens | null = null
  let warnedAt = Number.NEGATIVE_INFINITY
  gate.add(
    rateLimitCheck(config.rateLimits, clientAddresses, {
      redis: () => redis,
      account: (request) => tokens?.accountOf(request.headers.authorization) ?? null,
      onFallback: (error) => {
        // At most once a minute: an outage fails every limited request.
        if (Date.now() - warnedAt < 60_000) return
        warnedAt = Date.now()
        app.log.warn({ err: error }, 'rate limits counted in this process: Redis did not answer')
      },
    }),
    gateStages.rateLimit,
  )
  gate.add(metricsAccessCheck(config.metrics, clientAddresses), gateStages.metricsAccess)
  const lane = new CrowdLane(gate)
  const timeouts = {
    // Socket timeouts: a slow client cannot hold a connection forever.
    connectionTimeout: 30_000,
    keepAliveTimeout: 5_000,
    requestTimeout: 30_000,
  }
  const app = Fastify({
    // The crowd's lane answers its few routes before Fastify sees the request.
    serverFactory: (handler) => {
      const server = createServer((request, response) => {
        if (!lane.serve(request, response)) handler(request, response)
      })
      server.keepAliveTimeout = timeouts.keepAliveTimeout
      server.requestTimeout = timeouts.requestTimeout
      server.setTimeout(timeouts.connectionTimeout)
      return server
    },
    logger: logOptions(config.logLevel, logger),
    bodyLimit: config.bodyLimitBytes,
    // The caller's X-Request-Id only when it is short and plain (see request.id.ts).
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request.headers['x-request-id']),
    ...timeouts,
    // Fastify's default, 10 s per plugin, was a guess at machine speed: a busy machine booting
    // PGlite took longer. Start-up steps with a dependency of their own time out sooner.
    pluginTimeout: config.startTimeoutMs,
    return503OnClosing: true,
    // What Node's parser or Fastify's router refuses is problem details too.
    clientErrorHandler,
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  strictJsonBodies(app)
  if (config.inspection.mode !== 'off') {
    const { inspector, fallback } = loadInspector(config.inspection.paranoia)
    const inspection = new RequestInspection(inspector, config.inspection.mode, app.log, (request, refusal) =>
      securityLog.refusal(request, refusal, 'inspection', 'COUNT'),
    )
    gate.add(inspection.gateCheck(), gateStages.inspection)
    // A request with a body is inspected once it is parsed, URL and body together, before validation.
    app.addHook('preValidation', (request, _reply, done) => {
      try {
        inspection.inspectBody(request)
        done()
      } catch (error) {
        securityLog.refusal(request, error, 'inspection')
        done(error as FastifyError)
      }
    })
    const settings = {
      mode: config.inspection.mode,
      paranoia: config.inspection.paranoia,
      engine: inspector.engine,
    }
    if (fallback === null) app.log.info(settings, 'request inspection on')
    else
      app.log.warn(
        { ...settings, reason: fallback },
        'request inspection on the pattern fallback: the native libddwaf module did not load',
      )
  }

  // Infrastructure.
  await app.register(errorsPlugin)
  app.decorate('crowdLane', lane)
  app.decorate('requestGate', gate)
  app.decorate('clientAddresses', clientAddresses)
  app.decorate('securityLog', securityLog)
  app.addHook('onClose', () => securityLog.close())
  app.addHook('preClose', (done) => {
    lane.close()
    done()
  })
  await app.register(helmet, { global: true, contentSecurityPolicy: false })
  // After helmet's hook, so refusals carry its headers too. The request gate, for every route Fastify serves; the crowd's lane runs the same gate itself.
  // Callback style, not async: every request passes here, and a promise per request shows at 30k/s.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    let passed: void | Promise<void>
    try {
      passed = gate.pass({
        method: request.method,
        url: request.url,
        routeClass: request.routeOptions.config?.gate ?? 'api',
        headers: request.headers,
        raw: request.raw,
        id: request.id,
      })
    } catch (error) {
      done(error as FastifyError)
      return
    }
    if (passed === undefined) done()
    else passed.then(() => done(), done)
  })

  await app.register(metricsPlugin, { version, role: config.role, clusterWorker, exposure: config.metrics })
  const shieldRequests = new Counter({
    name: 'breakwater_shield_requests_total',
    help: 'Requests the shield refused (BLOCK) or would have in detect mode (COUNT), by rule',
    labelNames: ['action', 'rule'] as const,
    registers: [app.metrics],
  })
  countShield = (entry) =>
    shieldRequests.inc({
      action: entry.action,
      rule:
        entry.terminatingRuleId === 'Default_Action'
          ? (entry.ruleGroupList[0]?.nonTerminatingMatchingRules[0]?.ruleId ?? '')
          : entry.terminatingRuleId,
    })
  lane.attach({
    observe: app.observeRequest,
    problem: (error, request) => {
      const problem = toProblem(error as FastifyError, request)
      if (problem.status >= 500)
        app.log.error(
          { reqId: request.id, err: error, code: problem.code, url: request.url },
          'request failed',
        )
      return {
        status: problem.status,
        body: problem,
        retryAfterSeconds:
          typeof problem.retryAfterSeconds === 'number' ? problem.retryAfterSeconds : undefined,
      }
    },
  })
  await app.register(openapiPlugin, { version, browsable: config.docsEnabled })
  await app.register(databasePlugin, { config, pgliteTemplate })
  await app.register(redisPlugin, { config })
  redis = app.redis
  await app.register(healthPlugin)
  const secret = loadOrCreateSecret(config.tokenSecret, config.dataDir)
  await app.register(authPlugin, {
    secret,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
  })
  tokens = app.accessTokens

  // Domain services.
  await app.register(auditPlugin, { serialiseAppends: !config.disabledGuards.has('audit') })
  await app.register(accountsPlugin)
  await app.register(stockPlugin)
  await app.register(eventsPlugin)
  await app.register(admissionPlugin, { secret })
  await app.register(paymentsPlugin, { secret, lateSuccessDelayMs: config.sales.paymentLateSuccessDelayMs })
  await app.register(waitingRoomPlugin, {
    secret,
    config: config.waitingRoom,
    refresh: servesGateway(config.role),
    // Every process but a pure API one may lead the ticker; the lease lets one lead at a time.
    tick: config.role !== 'api',
  })
  await app.register(salesPlugin, { config })
  await app.register(outboxPlugin, { role: config.role, natsUrl: config.natsUrl })

  // Routes.
  if (servesApi(config.role)) {
    await app.register(accountsRoutes)
    await app.register(eventsRoutes)
    await app.register(holdsRoutes)
    await app.register(ordersRoutes)
    await app.register(paymentsRoutes)
    await app.register(auditRoutes)
    await app.register(securityLogRoutes)
  }
  if (servesGateway(config.role)) await app.register(queueRoutes)
  // Last: its catch-all route serves the web app for any path no API route claimed.
  if (servesGateway(config.role)) await app.register(webPlugin)

  if (config.admin) {
    const { email, password } = config.admin
    app.addHook('onReady', async () => {
      const admin = await app.accounts.bootstrapAdmin(email, password)
      app.log.info({ userId: admin.id }, 'admin account ready')
    })
  }
  return app
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The ordered checks every request passes before its handler, on both paths. */
    requestGate: RequestGate
    /** Who sent a request, believing `X-Forwarded-For` only from `TRUST_PROXY`, as the gate does. */
    clientAddresses: ClientAddresses
    /** The shield's log of refusals and detect-mode hits, in AWS WAF's shape. */
    securityLog: SecurityLog
  }
}
