import fp from 'fastify-plugin'
import { Type } from 'typebox'
import { withTimeout } from '../data/database.client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    health: Health
  }
}

/** Liveness and readiness: readiness fails while a dependency is down or the process drains. */
export interface Health {
  /** Readiness answers 503 from now on, so load balancers stop sending work here. */
  startDraining(): void
  readonly draining: boolean
}

const checkTimeoutMs = 800

const ReadinessSchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready'), Type.Literal('draining')]),
  checks: Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('unavailable')])),
})

export const healthPlugin = fp(
  async (app) => {
    let draining = false
    app.decorate('health', {
      startDraining: () => {
        draining = true
      },
      get draining() {
        return draining
      },
    })

    const checks: Record<string, () => Promise<unknown>> = {
      database: () => app.database.ping(checkTimeoutMs),
    }
    const redis = app.redis
    if (redis) checks.redis = () => withTimeout(redis.ping(), checkTimeoutMs, 'redis')

    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Liveness: the process is up',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    )
    app.get(
      '/readyz',
      {
        schema: {
          tags: ['operations'],
          summary: 'Readiness: dependencies answer and the process is not draining',
          response: { 200: ReadinessSchema, 503: ReadinessSchema },
        },
      },
      async (request, reply) => {
        const results = await Promise.all(
          Object.entries(checks).map(async ([name, check]) => {
            try {
              await check()
              return [name, 'ok'] as const
            } catch (error) {
              // The reason goes to the log; the body, which anyone may read, says only that it failed.
              request.log.warn({ err: error, dependency: name }, 'readiness check failed')
              return [name, 'unavailable'] as const
            }
          }),
        )
        const healthy = results.every(([, result]) => result === 'ok')
        const status = draining ? 'draining' : healthy ? 'ready' : 'not_ready'
        reply.code(status === 'ready' ? 200 : 503).header('cache-control', 'no-store')
        return { status, checks: Object.fromEntries(results) }
      },
    )
  },
  { name: 'health', dependencies: ['database', 'redis'] },
)
