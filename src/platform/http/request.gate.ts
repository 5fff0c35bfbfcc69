import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { AppError } from './errors.catalogue.ts'

/**
 * What a route is, for the gate's checks: the crowd's routes each have a class of their own so a
 * limit can tell a join from a status poll; every other route is `api` unless it says otherwise
 * (`metrics` is `GET /metrics`, which only some clients may read). `listings` and `chat` are for the
 * marketplace's and the chat's routes, so their limits are configured before those modules exist.
 */
export const routeClasses = [
  'guest',
  'join',
  'status',
  'enter',
  'auth',
  'holds',
  'orders',
  'listings',
  'chat',
  'metrics',
  'api',
] as const
export type RouteClass = (typeof routeClasses)[number]

/** What a check sees of a request, the same from the crowd's lane and from Fastify. */
export interface GateRequest {
  method: string
  url: string
  routeClass: RouteClass
  headers: IncomingHttpHeaders
  /** The socket the request came in on; the client's address is read from it (and trusted proxies). */
  raw: IncomingMessage
  /** The request's id, for the security log. */
  id?: string
}

/**
 * One stage of the gate. It returns nothing to let the request on, or throws (or rejects with) an
 * AppError to answer it early; `headers` on that error are sent with the problem document.
 */
export interface GateCheck {
  name: string
  /** The route classes it looks at; the others never call it. */
  classes: readonly RouteClass[] | 'all'
  check(request: GateRequest): void | Promise<void>
}

/** A refusal's extra response headers (`Retry-After`, `RateLimit-*`), carried on the error. */
export type RefusalHeaders = Record<string, string>

export function withHeaders<E extends AppError>(error: E, headers: RefusalHeaders): E {
  ;(error as E & { headers?: RefusalHeaders }).headers = headers
  return error
}

export function refusalHeaders(error: unknown): RefusalHeaders | undefined {
  return (error as { headers?: RefusalHeaders } | null)?.headers
}

/**
 * The platform's one request gate: an ordered list of checks that every request passes before its
 * handler, whichever path serves it (the crowd's lane or Fastify). Stages, in order: blocklist,
 * rate limit, inspection, proof of work (joins), then the route's own authentication. A class no
 * check looks at costs one array read.
 */
export class RequestGate {
  private readonly checks: { order: number; check: GateCheck }[] = []
  private byClass = new Map<RouteClass, GateCheck[]>()

  /** Told of every refusal a stage makes, with the stage's name (the security log); never of a pass. */
  constructor(
    private readonly onRefusal: (request: GateRequest, error: unknown, stage: string) => void = () => {},
  ) {}

  /** `order` places a check among the stages: lower runs first (blocklist 100, rate 200, inspection 300, pow 400). */
  add(check: GateCheck, order: number): void {
    this.checks.push({ order, check })
    this.checks.sort((a, b) => a.order - b.order)
    this.byClass = new Map(
      routeClasses.map((routeClass) => [
        routeClass,
        this.checks
          .map((entry) => entry.check)
          .filter((c) => c.classes === 'all' || c.classes.includes(routeClass)),
      ]),
    )
  }

  /** Whether any check looks at this class: the lane builds no request for the gate when none does. */
  covers(routeClass: RouteClass): boolean {
    return (this.byClass.get(routeClass)?.length ?? 0) > 0
  }

  /** Runs the request's checks in order; undefined when all passed without waiting. */
  pass(request: GateRequest): void | Promise<void> {
    const checks = this.byClass.get(request.routeClass)
    if (checks === undefined || checks.length === 0) return
    return this.runFrom(checks, 0, request)
  }

  // The one place a stage's refusal becomes the gate's answer, on both paths: it is told here.
  private runFrom(checks: GateCheck[], from: number, request: GateRequest): void | Promise<void> {
    let i = from
    try {
      for (; i < checks.length; i++) {
        const check = checks[i] as GateCheck
        const pending = check.check(request)
        if (pending instanceof Promise)
          return pending.then(
            () => this.runFrom(checks, i + 1, request),
            (error) => this.refuse(request, error, check.name),
          )
      }
    } catch (error) {
      this.refuse(request, error, (checks[i] as GateCheck).name)
    }
  }

  private refuse(request: GateRequest, error: unknown, stage: string): never {
    try {
      this.onRefusal(request, error, stage)
    } catch {
      // What watches refusals never changes the answer.
    }
    throw error
  }
}
