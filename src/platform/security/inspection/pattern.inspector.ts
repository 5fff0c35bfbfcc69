import {
  finding,
  osFiles,
  proseScriptPattern,
  protocolFindings,
  type RuleInfo,
  restrictedExtensionPattern,
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

// In place of libinjection, conservative patterns of the shapes public SQLi payloads take: a quote
// closed then a boolean, a comment or a statement; UNION SELECT; the timing and file functions;
// a tautology. They do not tokenise SQL as libinjection does, so an unusual spelling passes.
const sqliPattern = new RegExp(
  [
    String.raw`['"\x60]\s*\)*\s*(?:\b(?:or|and|xor|div|like|rlike|union|select|having|order\s+by|group\s+by)\b|\|\||&&|;|--|#|/\*)`,
    String.raw`\bunion\b[\s(/*!0-9]+(?:all\s+|distinct\s+)?\(?\s*select\b`,
    String.raw`\b(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|dbms_pipe\.receive_message|utl_inaddr\.get_host_address)\s*\(`,
    String.raw`\bwaitfor\s+(?:delay|time)\b`,
    String.raw`\b(?:or|and)\s+\(?\s*['"]?\w+['"]?\s*(?:=|<>|!=|<|>|\blike\b)\s*\(?['"]?\w+`,
    String.raw`;\s*(?:drop|delete|insert|update|select|shutdown|exec|execute|declare|create|alter)\b`,
    String.raw`\b(?:select|insert|delete)\b[\s\S]{1,100}\b(?:from|into)\b[\s\S]*(?:--|#|/\*|\bwhere\b)`,
    String.raw`\binformation_schema\b|\b(?:xp_cmdshell|sp_executesql)\b|@@version\b`,
  ].join('|'),
  'i',
)
// In place of libinjection's XSS: the tags, handlers and URL schemes payload lists are made of.
const xssPattern = new RegExp(
  [
    xssAnyTagPattern,
    xssTagPattern,
    String.raw`<[a-z][^>]*\s(?:on[a-z]+|src|href|style|formaction|xlink:href)\s*=`,
    String.raw`\bexpression\s*\(|\bdata\s*:\s*text/html|<!--|-->|<!\[cdata\[|&#x?0*(?:60|3c);?|\\u003c|\\x3c`,
    String.raw`\b(?:alert|prompt|confirm|eval)\s*(?:\(|\x60)|\bdocument\s*\.\s*(?:cookie|domain|write)\b`,
  ].join('|'),
  'i',
)

function escaped(phrase: string): string {
  return phrase.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/**
 * The pure-JavaScript inspector, used when libddwaf's native module does not load on this
 * platform: the same rule ids, CRS data and traversal patterns, but regular expressions in place
 * of libinjection (see `sqliPattern`), so it catches the common public payloads and misses
 * obfuscated ones libinjection's tokeniser would see.
 */
export class PatternInspector implements Inspector {
  readonly engine = 'pattern fallback (regular expressions in place of libinjection)'
  private readonly checks: { info: RuleInfo; pattern: RegExp; where: 'args' | 'path' | 'agent' | 'raw' }[]

  constructor(private readonly paranoia: Paranoia) {
    const all = [
      { info: rules.sqliLibinjection, pattern: sqliPattern, where: 'args' as const },
      { info: rules.xssLibinjection, pattern: xssPattern, where: 'args' as const },
      { info: rules.xssScriptInProse, pattern: new RegExp(proseScriptPattern, 'i'), where: 'args' as const },
      { info: rules.traversal, pattern: new RegExp(traversalPattern, 'i'), where: 'raw' as const },
      { info: rules.osFiles, pattern: new RegExp(osFiles.map(escaped).join('|')), where: 'raw' as const },
      {
        info: rules.restrictedExtension,
        pattern: new RegExp(restrictedExtensionPattern, 'i'),
        where: 'path' as const,
      },
      {
        info: rules.scannerAgent,
        pattern: new RegExp(scannerAgents.map(escaped).join('|'), 'i'),
        where: 'agent' as const,
      },
      { info: rules.sqliKeywords, pattern: new RegExp(sqlKeywordPattern, 'i'), where: 'args' as const },
      { info: rules.sqliWords, pattern: new RegExp(sqlWordsPattern, 'i'), where: 'args' as const },
      { info: rules.sqliSpecialChars, pattern: new RegExp(sqlSpecialCharsPattern), where: 'args' as const },
      { info: rules.xssTags, pattern: new RegExp(xssTagPattern, 'i'), where: 'args' as const },
      { info: rules.xssAnyTag, pattern: new RegExp(xssAnyTagPattern, 'i'), where: 'args' as const },
    ]
    this.checks = all.filter((check) => check.info.paranoia <= paranoia)
  }

  inspect(target: InspectionTarget): InspectionFinding[] {
    const findings: InspectionFinding[] = []
    protocolFindings(target, this.paranoia, findings)
    const args: string[] = []
    if (target.path !== undefined) args.push(target.path)
    if (target.query !== undefined) collect(target.query, args)
    if (target.decoded !== undefined) args.push(...target.decoded)
    if (target.body !== undefined) collect(target.body, args)
    const prose: string[] = []
    if (target.prose !== undefined) collect(target.prose, prose)
    const agent = target.headers?.['user-agent'] ?? ''
    const referer = target.headers?.referer
    for (const { info, pattern, where } of this.checks) {
      let texts: string[]
      if (where === 'agent') texts = [agent]
      else if (where === 'path') texts = target.path === undefined ? [] : [target.path]
      else {
        texts = where === 'raw' && target.rawUri !== undefined ? [target.rawUri, ...args] : args
        if (info.category === 'sqli' || info.category === 'xss') {
          texts = [...texts, agent]
          if (referer !== undefined) texts.push(referer)
        }
        if (info.prose) texts = [...texts, ...prose]
      }
      if (info.id === rules.osFiles.id) texts = texts.map(decodedLower)
      if (texts.some((text) => pattern.test(text))) findings.push(finding(info))
    }
    return findings
  }
}

function decodedLower(text: string): string {
  try {
    return decodeURIComponent(text).toLowerCase()
  } catch {
    return text.toLowerCase()
  }
}

/** Every string (and object key) in a parsed JSON value or query, depth-first. */
function collect(value: unknown, out: string[], depth = 0): void {
  if (depth > 20) return
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const item of value) collect(item, out, depth + 1)
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      out.push(key)
      collect(item, out, depth + 1)
    }
}
