import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { parse as parseQuery } from 'node:querystring'
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  RouteShorthandOptions,
} from 'fastify'
import { type GateRequest, type RequestGate, type RouteClass, refusalHeaders } from './request.gate.ts'
import { requestIdOf } from './request.id.ts'

/** What a lane handler sees of a request: no body, text parameters and query, the raw headers. */
export interface LaneRequest {
  params: Record<string, string>
  query: Record<string, unknown>
  headers: IncomingHttpHeaders
  id: string
  url: string
  /** The socket's request, for who sent it (the security log); a handler reads nothing else of it. */
  raw: IncomingMessage
}

export interface LaneAnswer {
  status: number
  body: unknown
}

export type LaneHandler = (request: LaneRequest) => LaneAnswer | Promise<LaneAnswer>

/** How the lane reports what Fastify's hooks would: the HTTP histogram, problem details, 5xx logs. */
export interface LaneHooks {
  observe(route: string, method: string, status: number, seconds: number): void
  /** The answer for a thrown error: RFC 9457 problem details, with its headers. */
  problem(error: unknown, request: LaneRequest): { status: number; body: unknown; retryAfterSeconds?: number }
}

interface LaneRoute {
  method: string
  template: string
  /** What the request gate knows the route as. */
  routeClass: RouteClass
  /** Literal segments, with null where a parameter goes. */
  segments: (string | null)[]
  names: string[]
  accepts: (params: Record<string, string>, query: Record<string, unknown>) => boolean
  handler: LaneHandler
}

const noQuery: Record<string, unknown> = Object.freeze({})
const jsonType = 'application/json; charset=utf-8'
const problemType = 'application/problem+json; charset=utf-8'

/**
 * The crowd's lane: the few routes a flash crowd hits hardest (guest sign-in, join, status, enter) are
 * answered straight from `node:http`, in front of Fastify. Fastify's per-request work (hooks,
 * child logger, reply object, helmet's headers) costs several times what a status answer does;
 * on a 2-core machine that is the difference between answering a crowd and queueing it.
 *
 * The same handler also serves the route through Fastify (see `laneRoute`), so `app.inject`, the
 * OpenAPI document and every request the lane declines (a body, a parameter that does not match,
 * a server that is closing) take the ordinary path with the ordinary answers.
 */
export class CrowdLane {
  private readonly routes: LaneRoute[] = []
  private hooks: LaneHooks | null = null
  private closing = false

  /** Every request the lane answers passes the platform's gate first, as Fastify's do. */
  constructor(private readonly gate: RequestGate) {}

  attach(hooks: LaneHooks): void {
    this.hooks = hooks
  }

  add(route: Omit<LaneRoute, 'segments' | 'names'>): void {
    const parts = route.template.split('/')
    this.routes.push({
      ...route,
      segments: parts.map((part) => (part.startsWith(':') ? null : part)),
      names: parts.filter((part) => part.startsWith(':')).map((part) => part.slice(1)),
    })
  }

  /** From now on every request takes Fastify's path, which answers 503 while the server closes. */
  close(): void {
    this.closing = true
  }

  /** Answers the request if it is one of the lane's; false hands it to Fastify untouched. */
  serve(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.closing || this.hooks === null || this.routes.length === 0) return false
    // Bodies (and anything chunked) are Fastify's to parse and limit.
    const length = request.headers['content-length']
    if ((length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined)
      return false
    const url = request.url ?? ''
    const queryAt = url.indexOf('?')
    const path = queryAt === -1 ? url : url.slice(0, queryAt)
    const parts = path.split('/')
    for (const route of this.routes) {
      if (route.method !== request.method || route.segments.length !== parts.length) continue
      const params = matchParams(route, parts)
      if (params === null) continue
      const query = queryAt === -1 ? noQuery : parseQuery(url.slice(queryAt + 1))
      if (!route.accepts(params, query)) continue
      this.run(route, params, query, request, response, url)
      return true
    }
    return false
  }

  private run(
    route: LaneRoute,
    params: Record<string, string>,
    query: Record<string, unknown>,
    request: IncomingMessage,
    response: ServerResponse,
    url: string,
  ): void {
    const started = performance.now()
    const laneRequest: LaneRequest = {
      params,
      query,
      headers: request.headers,
      id: requestIdOf(request.headers['x-request-id']),
      url,
      raw: request,
    }
    const finish = (answer: LaneAnswer, type: string, retryAfterSeconds?: number) => {
      const headers: Record<string, string> = {
        'content-type': type,
        'x-request-id': laneRequest.id,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      }
      if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds)
      const json = JSON.stringify(answer.body)
      // A length rather than chunked framing: one write with the headers, nothing to end it.
      headers['content-length'] = String(Buffer.byteLength(json))
      response.writeHead(answer.status, headers)
      response.end(json)
      this.hooks?.observe(route.template, route.method, answer.status, (performance.now() - started) / 1000)
    }
    const fail = (error: unknown) => {
      const problem = this.hooks?.problem(error, laneRequest) ?? { status: 500, body: {} }
      const extra = refusalHeaders(error)
      if (extra) for (const name in extra) response.setHeader(name, extra[name] as string)
      finish(problem, problemType, problem.retryAfterSeconds)
    }
    const answer = () => {
      const answered = route.handler(laneRequest)
      if (answered instanceof Promise) answered.then((a) => finish(a, jsonType), fail)
      else finish(answered, jsonType)
    }
    // Consume the (empty) request, or keep-alive would stall on it.
    request.resume()
    try {
      if (!this.gate.covers(route.routeClass)) {
        answer()
        return
      }
      const gateRequest: GateRequest = {
        method: route.method,
        url,
        routeClass: route.routeClass,
        headers: request.headers,
        raw: request,
        id: laneRequest.id,
      }
      const passed = this.gate.pass(gateRequest)
      if (passed === undefined) answer()
      else passed.then(answer, fail).catch(fail)
    } catch (error) {
      fail(error)
    }
  }
}

function matchParams(route: LaneRoute, parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {}
  let name = 0
  for (let i = 0; i < parts.length; i++) {
    const literal = route.segments[i]
    const part = parts[i] as string
    if (literal === null) {
      if (part === '') return null
      params[route.names[name++] as string] = part
    } else if (literal !== part) return null
  }
  return params
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Checks the lane can make without a schema: anything they refuse goes to Fastify, whose
 * validation answers it. `uuid(name)` also refuses any query string; `uuid(name, flags)` allows
 * those query flags, each at most once, as `true` or `false`.
 */
export const laneAccepts = {
  any: () => true,
  uuid:
    (name: string, flags: string[] = []) =>
    (params: Record<string, string>, query: Record<string, unknown>) => {
      if (!uuid.test(params[name] ?? '')) return false
      for (const key in query) {
        const value = query[key]
        if (!flags.includes(key) || (value !== 'true' && value !== 'false')) return false
      }
      return true
    },
}

/**
 * Declares a route once for both paths: the crowd's lane over real HTTP, and Fastify (with its
 * schema, its OpenAPI entry and `app.inject`). The handler receives no body and returns the status
 * and body to send; it throws AppErrors like any route.
 */
export function laneRoute(
  app: FastifyInstance,
  route: {
    method: 'GET' | 'POST'
    url: string
    routeClass: RouteClass
    accepts: (params: Record<string, string>, query: Record<string, unknown>) => boolean
    options: RouteShorthandOptions & { schema: FastifySchema }
    handler: LaneHandler
  },
): void {
  app.crowdLane.add({
    method: route.method,
    template: route.url,
    routeClass: route.routeClass,
    accepts: route.accepts,
    handler: route.handler,
  })
  const send = (reply: FastifyReply, answer: LaneAnswer) =>
    reply
      .code(answer.status)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(answer.body)
  app.route({
    ...route.options,
    config: { ...route.options.config, gate: route.routeClass },
    method: route.method,
    url: route.url,
    handler: (request: FastifyRequest, reply: FastifyReply) => {
      const answer = route.handler({
        params: request.params as Record<string, string>,
        query: (request.query ?? noQuery) as Record<string, unknown>,
        headers: request.headers,
        id: request.id,
        url: request.url,
        raw: request.raw,
      })
      return answer instanceof Promise ? answer.then((a) => send(reply, a)) : send(reply, answer)
    },
  })
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's class for the request gate; `api` when not given. */
    gate?: RouteClass
  }
  interface FastifyInstance {
    /** The crowd's lane in front of Fastify; modules add their hottest routes with `laneRoute`. */
    crowdLane: CrowdLane
  }
}
