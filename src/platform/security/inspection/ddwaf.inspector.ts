import { createRequire } from 'node:module'
import {
  finding,
  osFiles,
  proseScriptPattern,
  protocolFindings,
  type RuleInfo,
  restrictedExtensionPattern,
  ruleById,
  rules,
  scannerAgents,
  sqlKeywordPattern,
  sqlSpecialCharsPattern,
  sqlWordsPattern,
  traversalPattern,
  xssAnyTagPattern,
  xssTagPattern,
} from './inspection.rules.ts'
import type { InspectionFinding, InspectionTarget, Inspector, Paranoia } from './request.inspector.ts'

// The subset of @datadog/native-appsec's API used here (libddwaf's Node binding).
interface WafContext {
  run(
    payload: { ephemeral: Record<string, unknown> },
    timeoutMicros: number,
  ): { events?: { rule: { id: string } }[] }
  dispose(): void
}
interface Waf {
  createContext(): WafContext
  readonly diagnostics: { rules?: { failed?: string[]; errors?: Record<string, string[]> } }
}
interface WafModule {
  DDWAF: { new (rules: object, path: string): Waf; version(): string }
}

const address = {
  rawUri: 'server.request.uri.raw',
  path: 'server.request.path',
  query: 'server.request.query',
  headers: 'server.request.headers.no_cookies',
  body: 'server.request.body',
  // Not libddwaf's either: the URI and query values decoded as a lenient decoder would.
  decoded: 'bw.request.decoded',
  // Not a libddwaf address of its own: the route's prose fields, read only by the rules prose cannot trip.
  prose: 'bw.request.body.prose',
} as const

const contextRuns = 10_000
// A request's inspection is a few microseconds; this only bounds a pathological input.
const runTimeoutMicros = 5_000

/**
 * Request inspection by libddwaf (Datadog's WAF, libinjection inside) through @datadog/native-appsec,
 * with a ruleset of our own: libinjection's SQLi and XSS detectors, CRS's traversal and OS-file
 * rules, its scanner user agents. Throws when the native module cannot be loaded on this platform.
 */
export class DdwafInspector implements Inspector {
  readonly engine: string
  private readonly waf: Waf
  private current: WafContext | null = null
  private runs = 0

  constructor(private readonly paranoia: Paranoia) {
    const native = createRequire(import.meta.url)('@datadog/native-appsec') as WafModule
    this.waf = new native.DDWAF(ruleset(paranoia), 'breakwater')
    const failed = this.waf.diagnostics.rules?.failed ?? []
    if (failed.length > 0)
      throw new Error(
        `libddwaf refused rules ${failed.join(', ')}: ${JSON.stringify(this.waf.diagnostics.rules?.errors)}`,
      )
    this.engine = `libddwaf ${native.DDWAF.version()}`
  }

  inspect(target: InspectionTarget): InspectionFinding[] {
    const findings: InspectionFinding[] = []
    protocolFindings(target, this.paranoia, findings)
    const data: Record<string, unknown> = {}
    if (target.rawUri !== undefined) data[address.rawUri] = target.rawUri
    if (target.path !== undefined) data[address.path] = target.path
    if (target.query !== undefined) data[address.query] = target.query
    if (target.headers !== undefined) data[address.headers] = target.headers
    if (target.decoded !== undefined) data[address.decoded] = target.decoded
    if (target.body !== undefined) data[address.body] = target.body
    if (target.prose !== undefined) data[address.prose] = target.prose
    const result = this.context().run({ ephemeral: data }, runTimeoutMicros)
    for (const event of result.events ?? []) {
      const rule = ruleById.get(event.rule.id)
      if (rule !== undefined) findings.push(finding(rule))
    }
    return findings
  }

  /**
   * One context for many requests: every address is passed as ephemeral, so nothing of one request
   * stays for the next and a rule matches again; making a context per request cost a tenth of a run.
   * It is renewed now and then all the same, so nothing it might keep grows without bound.
   */
  private context(): WafContext {
    if (this.current === null || this.runs++ >= contextRuns) {
      this.current?.dispose()
      this.current = this.waf.createContext()
      this.runs = 1
    }
    return this.current
  }
}

type Input = { address: string; key_path?: string[] }
const argInputs: Input[] = [
  { address: address.path },
  { address: address.query },
  { address: address.decoded },
  { address: address.body },
]
const agentInputs: Input[] = [
  { address: address.headers, key_path: ['user-agent'] },
  { address: address.headers, key_path: ['referer'] },
]

function wafRule(info: RuleInfo, condition: object, transformers: string[] = []): object {
  return {
    id: info.id,
    name: `${info.category} ${info.id}`,
    tags: { type: info.category, category: 'attack_attempt' },
    conditions: [condition],
    transformers,
  }
}

function inputsOf(info: RuleInfo, inputs: Input[]): Input[] {
  return info.prose ? [...inputs, { address: address.prose }] : inputs
}

function regex(info: RuleInfo, pattern: string, inputs: Input[], transformers: string[] = []): object {
  return wafRule(
    info,
    {
      operator: 'match_regex',
      parameters: {
        inputs: inputsOf(info, inputs),
        regex: pattern,
        options: { case_sensitive: false, min_length: 2 },
      },
    },
    transformers,
  )
}

function phrases(info: RuleInfo, list: readonly string[], inputs: Input[], transformers: string[]): object {
  return wafRule(
    info,
    { operator: 'phrase_match', parameters: { inputs: inputsOf(info, inputs), list } },
    transformers,
  )
}

/** The libddwaf ruleset for one paranoia level: the rules of that level and below. */
export function ruleset(paranoia: Paranoia): object {
  const all: [RuleInfo, object][] = [
    [
      rules.sqliLibinjection,
      wafRule(
        rules.sqliLibinjection,
        { operator: 'is_sqli', parameters: { inputs: [...argInputs, ...agentInputs] } },
        ['removeNulls'],
      ),
    ],
    [
      rules.xssLibinjection,
      wafRule(
        rules.xssLibinjection,
        { operator: 'is_xss', parameters: { inputs: [...argInputs, ...agentInputs] } },
        ['removeNulls'],
      ),
    ],
    [rules.xssScriptInProse, regex(rules.xssScriptInProse, proseScriptPattern, [])],
    [rules.traversal, regex(rules.traversal, traversalPattern, [{ address: address.rawUri }, ...argInputs])],
    [
      rules.osFiles,
      phrases(
        rules.osFiles,
        osFiles,
        // The decoded values stand for the raw URI: libddwaf's urlDecode would only decode once.
        argInputs,
        ['lowercase'],
      ),
    ],
    [
      rules.restrictedExtension,
      regex(rules.restrictedExtension, restrictedExtensionPattern, [{ address: address.path }]),
    ],
    [
      rules.scannerAgent,
      phrases(
        rules.scannerAgent,
        scannerAgents,
        [{ address: address.headers, key_path: ['user-agent'] }],
        ['lowercase'],
      ),
    ],
    [rules.sqliKeywords, regex(rules.sqliKeywords, sqlKeywordPattern, argInputs)],
    [rules.sqliWords, regex(rules.sqliWords, sqlWordsPattern, argInputs)],
    [rules.sqliSpecialChars, regex(rules.sqliSpecialChars, sqlSpecialCharsPattern, argInputs)],
    [rules.xssTags, regex(rules.xssTags, xssTagPattern, [...argInputs, ...agentInputs])],
    [rules.xssAnyTag, regex(rules.xssAnyTag, xssAnyTagPattern, argInputs)],
  ]
  return {
    version: '2.2',
    metadata: { rules_version: '1.0.0' },
    rules: all.filter(([info]) => info.paranoia <= paranoia).map(([, rule]) => rule),
  }
}
