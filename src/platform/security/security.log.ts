import { appendFile, mkdir, readFile } from 'node:fs/promises'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import path from 'node:path'
import type { ClientAddresses } from '../http/client.address.ts'

export type SecurityAction = 'BLOCK' | 'COUNT' | 'ALLOW'
export type TerminatingRuleType = 'RATE_BASED' | 'REGULAR' | 'MANAGED_RULE_GROUP'

/** One line of the security log, in the shape (and with the field names) of an AWS WAF log record. */
export interface SecurityLogEntry {
  timestamp: number
  formatVersion: 1
  webaclId: 'breakwater'
  terminatingRuleId: string
  terminatingRuleType: TerminatingRuleType
  action: SecurityAction
  ruleGroupList: {
    ruleGroupId: string
    terminatingRule: { ruleId: string; action: SecurityAction } | null
    nonTerminatingMatchingRules: { ruleId: string; action: SecurityAction }[]
  }[]
  rateBasedRuleList: { rateBasedRuleId: string; limitKey: 'IP' | 'CUSTOMKEYS'; maxRateAllowed: number }[]
  labels: { name: string }[]
  httpRequest: {
    clientIp: string
    country: '-'
    uri: string
    args: string
    headers: { name: string; value: string }[]
    httpVersion: string
    httpMethod: string
    requestId: string
  }
}

/** What the log needs of a request: the gate's view of it and its id. */
export interface LoggedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
  raw: IncomingMessage
  id?: string
}

export interface SecurityLogQuery {
  date: string
  action?: SecurityAction
  rule?: string
  ip?: string
  limit?: number
  /** The `position` of the last entry of the page before. */
  after?: number
}

export interface SecurityLogPage {
  items: (SecurityLogEntry & { position: number })[]
  next: number | null
}

const redacted = '[redacted]'
/** Headers whose value is a secret: kept by name, never by value. */
const secretHeaders = new Set([
  'authorization',
  'cookie',
  'set-cookie',
  'x-queue-pow',
  'x-breakwater-signature',
  'x-queue-ticket',
  'x-metrics-token',
])
/** Headers worth keeping to read an attack; any other header is left out. */
const keptHeaders = new Set([
  'host',
  'user-agent',
  'referer',
  'accept',
  'accept-language',
  'content-type',
  'content-length',
  'origin',
  'x-forwarded-for',
  'x-request-id',
])
const secretArgs = new Set(['ticket', 'token', 'access_token', 'password'])
/** What one header or the query keeps: enough to read the attack, not a megabyte of it. */
const maxValueLength = 2048

const day = (timestamp: number) => new Date(timestamp).toISOString().slice(0, 10)

export function redactedHeaders(headers: IncomingHttpHeaders): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = []
  for (const name in headers) {
    if (secretHeaders.has(name)) out.push({ name, value: redacted })
    else if (keptHeaders.has(name)) {
      const value = headers[name]
      const text = Array.isArray(value) ? value.join(', ') : String(value ?? '')
      out.push({ name, value: text.slice(0, maxValueLength) })
    }
  }
  return out
}

/** The query string with the values of tickets, tokens and passwords replaced. */
export function redactedArgs(query: string): string {
  if (query === '') return ''
  const parts = query.slice(0, maxValueLength).split('&')
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    const equals = part.indexOf('=')
    const name = equals === -1 ? part : part.slice(0, equals)
    let decoded = name
    try {
      decoded = decodeURIComponent(name)
    } catch {}
    if (equals !== -1 && secretArgs.has(decoded.toLowerCase())) parts[i] = `${name}=${redacted}`
  }
  return parts.join('&')
}

export interface SecurityLogOptions {
  /** Where the day files go; null keeps a bounded ring in memory (`DATA_DIR=:memory:`). */
  dir: string | null
  addresses: ClientAddresses
  /** Told of every entry, for the metrics. */
  onEntry?: (entry: SecurityLogEntry) => void
  clock?: () => number
  /** Entries kept in memory when there is no directory. */
  ringSize?: number
  flushMs?: number
}

/** A rule's part of an entry, as `SecurityLog.record` takes it. */
export interface SecurityHit {
  action: SecurityAction
  ruleId: string
  ruleType: TerminatingRuleType
  /** The rule group that matched (`rate-limit`, `inspection`, `proof-of-work`, …). */
  group: string
  /** Other rules of the group that matched (inspection's rule ids). */
  matched?: string[]
  rateBased?: { limitKey: 'IP' | 'CUSTOMKEYS'; maxRateAllowed: number }
  labels?: string[]
}

/**
 * The security log: one AWS WAF-shaped JSON line per request the shield refused (BLOCK) or would
 * have in detect mode (COUNT), never per allowed request (the status path answers thousands a
 * second; a line each would cost more than the answer and drown the refusals). Lines are buffered
 * and appended in the background, one file a day, so the gate never waits on the disk, and Redis
 * has no part in it: an outage leaves the log writing.
 */
export class SecurityLog {
  private pending: SecurityLogEntry[] = []
  private timer: NodeJS.Timeout | null = null
  private flushing: Promise<void> = Promise.resolve()
  private readonly ring: (SecurityLogEntry & { position: number })[] = []
  private positions = new Map<string, number>()
  private dirReady: Promise<unknown> | null = null
  /** Entries dropped because the disk fell too far behind. */
  dropped = 0

  constructor(private readonly options: SecurityLogOptions) {}

  /** Records a refusal or a detect-mode hit of `request`. Never throws: the log must not break the gate. */
  record(request: LoggedRequest, hit: SecurityHit): void {
    try {
      this.add(this.entryOf(request, hit))
    } catch {
      this.dropped++
    }
  }

  /** A refusal a stage threw (BLOCK), or, with `COUNT`, one detect mode let through. */
  refusal(request: LoggedRequest, error: unknown, stage: string, action: 'BLOCK' | 'COUNT' = 'BLOCK'): void {
    const hit = hitOfRefusal(error, stage)
    if (hit !== null) this.record(request, { ...hit, action })
  }

  entryOf(request: LoggedRequest, hit: SecurityHit): SecurityLogEntry {
    const url = request.url
    const mark = url.indexOf('?')
    const matching = { ruleId: hit.ruleId, action: hit.action }
    const matched = (hit.matched ?? []).filter((id) => id !== hit.ruleId)
    return {
      timestamp: (this.options.clock ?? Date.now)(),
      formatVersion: 1,
      webaclId: 'breakwater',
      terminatingRuleId: hit.action === 'BLOCK' ? hit.ruleId : 'Default_Action',
      terminatingRuleType: hit.ruleType,
      action: hit.action,
      ruleGroupList: [
        {
          ruleGroupId: hit.group,
          terminatingRule: hit.action === 'BLOCK' ? matching : null,
          nonTerminatingMatchingRules: [
            ...(hit.action === 'BLOCK' ? [] : [matching]),
            ...matched.map((ruleId) => ({ ruleId, action: 'COUNT' as const })),
          ],
        },
      ],
      rateBasedRuleList: hit.rateBased ? [{ rateBasedRuleId: hit.ruleId, ...hit.rateBased }] : [],
      labels: (hit.labels ?? []).map((name) => ({ name })),
      httpRequest: {
        clientIp: this.options.addresses.of(request.raw),
        country: '-',
        uri: (mark === -1 ? url : url.slice(0, mark)).slice(0, maxValueLength),
        args: mark === -1 ? '' : redactedArgs(url.slice(mark + 1)),
        headers: redactedHeaders(request.headers),
        httpVersion: `HTTP/${request.raw.httpVersion ?? '1.1'}`,
        httpMethod: request.method,
        requestId: request.id ?? '',
      },
    }
  }

  private add(entry: SecurityLogEntry): void {
    this.options.onEntry?.(entry)
    if (this.options.dir === null) {
      const date = day(entry.timestamp)
      const position = (this.positions.get(date) ?? 0) + 1
      if (!this.positions.has(date) && this.positions.size > 31) this.positions.clear()
      this.positions.set(date, position)
      this.ring.push({ ...entry, position })
      if (this.ring.length > (this.options.ringSize ?? 10_000)) this.ring.shift()
      return
    }
    // A disk that cannot keep up loses the newest lines, counted, rather than the process its memory.
    if (this.pending.length >= 100_000) {
      this.dropped++
      return
    }
    this.pending.push(entry)
    this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 500)
    this.timer.unref?.()
  }

  /** Writes what is buffered; resolves once it is on disk (a query and closing wait for it). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const dir = this.options.dir
    const batch = this.pending
    this.pending = []
    if (dir === null || batch.length === 0) return this.flushing
    this.dirReady ??= mkdir(dir, { recursive: true })
    const byDay = new Map<string, string[]>()
    for (const entry of batch) {
      const date = day(entry.timestamp)
      const lines = byDay.get(date) ?? []
      lines.push(JSON.stringify(entry))
      byDay.set(date, lines)
    }
    this.flushing = this.flushing
      .then(() => this.dirReady)
      .then(async () => {
        for (const [date, lines] of byDay)
          await appendFile(path.join(dir, `${date}.jsonl`), `${lines.join('\n')}\n`)
      })
      .catch(() => {
        this.dropped += batch.length
        this.dirReady = null
      })
    return this.flushing
  }

  /** A day's entries in the order written, filtered, in keyset pages by position (the line number). */
  async query(query: SecurityLogQuery): Promise<SecurityLogPage> {
    const limit = query.limit ?? 100
    const after = query.after ?? 0
    const matches = (entry: SecurityLogEntry) =>
      (query.action === undefined || entry.action === query.action) &&
      (query.ip === undefined || entry.httpRequest.clientIp === query.ip) &&
      (query.rule === undefined ||
        entry.terminatingRuleId === query.rule ||
        entry.ruleGroupList.some(
          (group) =>
            group.ruleGroupId === query.rule ||
            group.nonTerminatingMatchingRules.some((rule) => rule.ruleId === query.rule),
        ))
    const items: SecurityLogPage['items'] = []
    let more = false
    for (const entry of await this.entriesOf(query.date)) {
      if (entry.position <= after || !matches(entry)) continue
      if (items.length === limit) {
        more = true
        break
      }
      items.push(entry)
    }
    return { items, next: more ? (items.at(-1)?.position ?? null) : null }
  }

  private async entriesOf(date: string): Promise<(SecurityLogEntry & { position: number })[]> {
    const dir = this.options.dir
    if (dir === null) return this.ring.filter((entry) => day(entry.timestamp) === date)
    await this.flush()
    let text: string
    try {
      text = await readFile(path.join(dir, `${date}.jsonl`), 'utf8')
    } catch {
      return []
    }
    const entries: (SecurityLogEntry & { position: number })[] = []
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; i++) {
      if (lines[i] === '') continue
      try {
        entries.push({ ...(JSON.parse(lines[i] as string) as SecurityLogEntry), position: i + 1 })
      } catch {
        // A line cut short by a crash: the others still read.
      }
    }
    return entries
  }

  async close(): Promise<void> {
    await this.flush()
  }
}

/** How a refusal the gate (or a route) threw reads in the log; null for an error that is no refusal. */
export function hitOfRefusal(error: unknown, stage: string): SecurityHit | null {
  const { code, extensions, message } = (error ?? {}) as {
    code?: string
    extensions?: Record<string, unknown>
    message?: string
  }
  const detail = extensions ?? {}
  if (code === 'BW_RATE_LIMITED') {
    const limitClass = String(detail.limitClass ?? 'unknown')
    const headers = (error as { headers?: Record<string, string> }).headers ?? {}
    return {
      action: 'BLOCK',
      ruleId: `rate-limit:${limitClass}`,
      ruleType: 'RATE_BASED',
      group: 'rate-limit',
      rateBased: {
        // A limit per account keys on the signed-in account, not the address.
        limitKey: message?.includes('for this account') ? 'CUSTOMKEYS' : 'IP',
        maxRateAllowed: Number(headers['ratelimit-limit'] ?? 0),
      },
      labels: [`breakwater:rate-limit:${limitClass}`],
    }
  }
  if (code === 'BW_REQUEST_BLOCKED') {
    const rule = detail.rule === undefined ? stage : String(detail.rule)
    const rules = Array.isArray(detail.rules) ? detail.rules.map(String) : []
    return {
      action: 'BLOCK',
      ruleId: rule,
      ruleType: detail.rule === undefined ? 'REGULAR' : 'MANAGED_RULE_GROUP',
      group: stage,
      matched: rules,
      labels: [`breakwater:${stage}`],
    }
  }
  if (code === 'BW_POW_REQUIRED' || code === 'BW_POW_INVALID') {
    const reason = code === 'BW_POW_REQUIRED' ? 'required' : String(detail.reason ?? 'invalid')
    return {
      action: 'BLOCK',
      ruleId: `proof-of-work:${reason}`,
      ruleType: 'REGULAR',
      group: 'proof-of-work',
      labels: [`breakwater:proof-of-work:${reason}`],
    }
  }
  // A stage that failed (a 5xx) refused no one; the error log has it.
  const status = (error as { status?: number }).status
  if (typeof code === 'string' && (status === undefined || status < 500))
    return { action: 'BLOCK', ruleId: `${stage}:${code}`, ruleType: 'REGULAR', group: stage }
  return null
}
