/** What request inspection looks at, and what it finds; both inspectors (native and pattern) speak it. */

export const inspectionCategories = ['sqli', 'xss', 'traversal', 'lfi', 'scanner', 'protocol'] as const
export type InspectionCategory = (typeof inspectionCategories)[number]

export type Paranoia = 1 | 2 | 3 | 4

export const inspectionModes = ['block', 'detect', 'off'] as const
export type InspectionMode = (typeof inspectionModes)[number]

export interface InspectionConfig {
  /** `block` refuses, `detect` only logs what it would refuse, `off` loads nothing. */
  mode: InspectionMode
  /** CRS's paranoia level: each level adds rules that catch more and refuse more honest requests. */
  paranoia: Paranoia
}

/** CRS's anomaly points per severity: a critical hit alone reaches the default threshold. */
export const severityScores = { critical: 5, error: 4, warning: 3, notice: 2 } as const
export type Severity = keyof typeof severityScores

/** The score at which a request is refused, as CRS's default inbound threshold. */
export const anomalyThreshold = 5

/** One part of a request, already decoded: what the gate stage sees, then what the body stage adds. */
export interface InspectionTarget {
  /** The path, percent-decoded once (the raw form goes in `rawUri`). */
  path?: string
  /** The URL as sent, path and query, not decoded: encoded traversals are matched here. */
  rawUri?: string
  query?: Record<string, string | string[]>
  /** The URI and query values that carry `%` or `\`, as `deepDecoded` reads them. */
  decoded?: string[]
  /** `user-agent` and `referer` as sent. */
  headers?: Record<string, string>
  /** The JSON body without its prose and opaque fields. */
  body?: unknown
  /** The route's prose fields (a listing's description, a chat text): only the checks prose cannot trip. */
  prose?: unknown
}

export interface InspectionFinding {
  /** CRS-style rule id, e.g. `942100`; named in the refusal. */
  ruleId: string
  category: InspectionCategory
  severity: Severity
}

/** A detector of attacks in a request's parts. `inspect` is synchronous and never throws on input. */
export interface Inspector {
  /** `libddwaf 1.30.1` or `pattern fallback`: said once in the start log. */
  readonly engine: string
  inspect(target: InspectionTarget): InspectionFinding[]
}

export function scoreOf(findings: readonly InspectionFinding[]): number {
  let score = 0
  for (const finding of findings) score += severityScores[finding.severity]
  return score
}
