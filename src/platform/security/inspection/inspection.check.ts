import type { IncomingHttpHeaders } from 'node:http'
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import { AppError } from '../../http/errors.catalogue.ts'
import { type GateCheck, type GateRequest, routeClasses } from '../../http/request.gate.ts'
import { DdwafInspector } from './ddwaf.inspector.ts'
import { deepDecoded, needsDecoding, ruleById } from './inspection.rules.ts'
import { PatternInspector } from './pattern.inspector.ts'
import {
  anomalyThreshold,
  type InspectionFinding,
  type InspectionTarget,
  type Inspector,
  type Paranoia,
  scoreOf,
} from './request.inspector.ts'

/** What inspection passes on of a request it judged: the gate's fields, from either stage. */
export type InspectedRequest = Pick<GateRequest, 'method' | 'url' | 'headers' | 'raw' | 'id'>

/** A route's exclusions, by top-level body field (`config: { inspection: { … } }` on the route). */
export interface RouteInspection {
  /** Free text people write (a listing's description, a chat text): no SQLi/XSS prose checks, the rest still. */
  prose?: readonly string[]
  /** Never read by anything but a hash (passwords): not inspected at all. */
  opaque?: readonly string[]
}

/**
 * The native inspector when @datadog/native-appsec loads on this platform, else the pattern
 * fallback, with why (`fallback` is null when native).
 */
export function loadInspector(
  paranoia: Paranoia,
  native: (paranoia: Paranoia) => Inspector = (level) => new DdwafInspector(level),
): { inspector: Inspector; fallback: string | null } {
  try {
    return { inspector: native(paranoia), fallback: null }
  } catch (error) {
    return {
      inspector: new PatternInspector(paranoia),
      fallback: (error as Error).message.split('\n')[0] ?? '',
    }
  }
}

// Status polls are left out: they carry no body and a query of one flag, they are answered only to
// a signed ticket (whose signature is checked before anything is read), and they are the hottest
// path of a sale, benchmarked on its own (bench/gate.bench.ts).
const inspectedClasses = routeClasses.filter((routeClass) => routeClass !== 'status')

/**
 * Whether a request says it carries a body. Its inspection then waits for the body stage, so the
 * URL, headers and body are inspected in one pass of the detector (each pass has a fixed cost), and
 * their anomaly points add up. A body that cannot be parsed is refused (400) before that stage.
 */
function announcesBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length']
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined
}

/**
 * Request inspection (WAF-lite): the path, query, User-Agent and Referer in the request gate, before
 * anything else is read; a request with a body, once it is parsed, the body with them. Hits add CRS
 * anomaly points; a request reaching the threshold is refused with 403 `BW_REQUEST_BLOCKED` naming
 * the rule, or only logged in detect mode.
 */
export class RequestInspection {
  constructor(
    private readonly inspector: Inspector,
    private readonly mode: 'block' | 'detect',
    private readonly log: FastifyBaseLogger,
    /** Told of each request detect mode lets through that block mode would refuse, with that refusal. */
    private readonly onDetected: (request: InspectedRequest, refusal: AppError) => void = () => {},
  ) {}

  gateCheck(): GateCheck {
    return {
      name: 'inspection',
      classes: inspectedClasses,
      check: (request: GateRequest) => {
        if (announcesBody(request.headers)) return
        const findings = this.inspector.inspect(urlTarget(request))
        if (findings.length > 0) this.judge(findings, request)
      },
    }
  }

  /** The body stage: a `preValidation` hook, so a refusal comes before validation answers. */
  inspectBody(request: FastifyRequest): void {
    if (!announcesBody(request.headers)) return
    // A status poll never carries a body; one that does is refused by its route, as before.
    if (request.routeOptions.config?.gate === 'status') return
    const target = requestTarget(request, request.body, request.routeOptions.config?.inspection)
    const findings = this.inspector.inspect(target)
    if (findings.length > 0) this.judge(findings, request)
  }

  private judge(findings: InspectionFinding[], request: InspectedRequest): void {
    const score = scoreOf(findings)
    if (score < anomalyThreshold) return
    const ruleIds = [...new Set(findings.map((f) => f.ruleId))]
    const { method } = request
    const path = request.url.split('?')[0]
    if (this.mode === 'detect') {
      this.log.warn(
        { method, path, rules: ruleIds, score },
        'request inspection would refuse this request (detect mode)',
      )
      this.onDetected(request, blocked(findings, score))
      return
    }
    this.log.info({ method, path, rules: ruleIds, score }, 'request refused by inspection')
    throw blocked(findings, score)
  }
}

/** The refusal: the rule that weighed most, never the input that tripped it. */
function blocked(findings: InspectionFinding[], score: number): AppError {
  const first = [...findings].sort((a, b) => scoreOf([b]) - scoreOf([a]))[0] as InspectionFinding
  const category = ruleById.get(first.ruleId)?.category ?? first.category
  return new AppError(
    'BW_REQUEST_BLOCKED',
    `Refused by request inspection: rule ${first.ruleId} (${category})`,
    {
      rule: first.ruleId,
      rules: [...new Set(findings.map((f) => f.ruleId))],
      score,
    },
  )
}

/** What the gate stage inspects of a request: its URL, decoded, and the headers looked at. */
export function urlTarget(request: Pick<GateRequest, 'url' | 'headers'>): InspectionTarget {
  const url = request.url
  const mark = url.indexOf('?')
  const rawPath = mark === -1 ? url : url.slice(0, mark)
  const target: InspectionTarget = { rawUri: url, path: decodedOnce(rawPath), headers: headersOf(request) }
  if (mark !== -1) {
    const query: Record<string, string | string[]> = {}
    for (const [key, value] of new URLSearchParams(url.slice(mark + 1))) {
      const seen = query[key]
      if (seen === undefined) query[key] = value
      else if (typeof seen === 'string') query[key] = [seen, value]
      else seen.push(value)
    }
    target.query = query
  }
  // Values already decoded once that still hold `%` or `\`, and a path that does: read again as a
  // lenient decoder would. A Korean query decodes in one step and adds nothing here.
  const decoded: string[] = []
  if (needsDecoding(rawPath)) decoded.push(deepDecoded(rawPath))
  for (const value of Object.values(target.query ?? {}))
    for (const text of typeof value === 'string' ? [value] : value)
      if (needsDecoding(text)) decoded.push(deepDecoded(text))
  if (decoded.length > 0) target.decoded = decoded
  return target
}

function headersOf(request: Pick<GateRequest, 'headers'>): Record<string, string> {
  const headers: Record<string, string> = {}
  const { 'user-agent': agent, referer, accept } = request.headers
  if (agent !== undefined) headers['user-agent'] = agent
  if (referer !== undefined) headers.referer = referer
  if (accept !== undefined) headers.accept = accept
  return headers
}

function decodedOnce(path: string): string {
  if (!path.includes('%')) return path
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}

/** What the body stage inspects: the URL and headers, and the parsed body with the route's exclusions. */
export function requestTarget(
  request: Pick<GateRequest, 'url' | 'headers'>,
  body: unknown,
  exclusions: RouteInspection | undefined,
): InspectionTarget {
  const target = urlTarget(request)
  if (body !== undefined && body !== null && (typeof body === 'object' || typeof body === 'string')) {
    const parts = bodyTarget(body, exclusions)
    target.body = parts.body
    if (parts.prose !== undefined) target.prose = parts.prose
    if (parts.decoded !== undefined) target.decoded = [...(target.decoded ?? []), ...parts.decoded]
  }
  return target
}

/** The body less the route's opaque fields, its prose fields apart. */
export function bodyTarget(body: object | string, exclusions: RouteInspection | undefined): InspectionTarget {
  if (typeof body === 'string') return needsDecoding(body) ? { body, decoded: [deepDecoded(body)] } : { body }
  const target: InspectionTarget = { body }
  if (exclusions !== undefined && !Array.isArray(body)) {
    const inspected: Record<string, unknown> = { ...(body as Record<string, unknown>) }
    const prose: Record<string, unknown> = {}
    for (const field of exclusions.opaque ?? []) delete inspected[field]
    for (const field of exclusions.prose ?? [])
      if (field in inspected) {
        prose[field] = inspected[field]
        delete inspected[field]
      }
    target.body = inspected
    if (Object.keys(prose).length > 0) target.prose = prose
  }
  const decoded = decodedStrings(target.body)
  if (decoded.length > 0) target.decoded = decoded
  return target
}

/** The strings of a parsed body that `deepDecoded` would change, decoded; few bodies have any. */
function decodedStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') {
    if (needsDecoding(value)) out.push(deepDecoded(value))
  } else if (depth < 20 && value !== null && typeof value === 'object')
    for (const item of Array.isArray(value) ? value : Object.values(value))
      decodedStrings(item, out, depth + 1)
  return out
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Body fields request inspection treats as prose or leaves alone (see `RouteInspection`). */
    inspection?: RouteInspection
  }
}
