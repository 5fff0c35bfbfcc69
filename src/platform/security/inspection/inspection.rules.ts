import { readFileSync } from 'node:fs'
import type {
  InspectionCategory,
  InspectionFinding,
  InspectionTarget,
  Paranoia,
  Severity,
} from './request.inspector.ts'

/**
 * The rules both inspectors share: their CRS-style ids, severities and paranoia levels, the CRS data
 * files (scanner user agents, OS files an LFI reaches for) and the patterns that are not
 * libinjection's. Ids follow CRS's numbering so a refusal's rule can be looked up there.
 */
export interface RuleInfo {
  id: string
  category: InspectionCategory
  severity: Severity
  paranoia: Paranoia
  /** Also applied to a route's prose fields. */
  prose: boolean
}

export const rules = {
  sqliLibinjection: { id: '942100', category: 'sqli', severity: 'critical', paranoia: 1, prose: false },
  sqliKeywords: { id: '942190', category: 'sqli', severity: 'critical', paranoia: 1, prose: false },
  sqliWords: { id: '942200', category: 'sqli', severity: 'critical', paranoia: 2, prose: false },
  sqliSpecialChars: { id: '942430', category: 'sqli', severity: 'warning', paranoia: 3, prose: false },
  xssLibinjection: { id: '941100', category: 'xss', severity: 'critical', paranoia: 1, prose: false },
  xssScriptInProse: { id: '941110', category: 'xss', severity: 'critical', paranoia: 1, prose: true },
  xssTags: { id: '941160', category: 'xss', severity: 'critical', paranoia: 1, prose: false },
  xssAnyTag: { id: '941320', category: 'xss', severity: 'critical', paranoia: 2, prose: false },
  traversal: { id: '930100', category: 'traversal', severity: 'critical', paranoia: 1, prose: true },
  osFiles: { id: '930120', category: 'lfi', severity: 'critical', paranoia: 1, prose: true },
  restrictedExtension: { id: '920440', category: 'lfi', severity: 'critical', paranoia: 1, prose: false },
  scannerAgent: { id: '913100', category: 'scanner', severity: 'critical', paranoia: 1, prose: false },
  nullByte: { id: '920270', category: 'protocol', severity: 'critical', paranoia: 1, prose: false },
  controlChars: { id: '920271', category: 'protocol', severity: 'critical', paranoia: 2, prose: false },
  missingUserAgent: { id: '920320', category: 'protocol', severity: 'notice', paranoia: 2, prose: false },
  missingAccept: { id: '920300', category: 'protocol', severity: 'notice', paranoia: 2, prose: false },
} as const satisfies Record<string, RuleInfo>

export type RuleName = keyof typeof rules
export const ruleById: ReadonlyMap<string, RuleInfo> = new Map(Object.values(rules).map((r) => [r.id, r]))

export function finding(rule: RuleInfo): InspectionFinding {
  return { ruleId: rule.id, category: rule.category, severity: rule.severity }
}

/** A CRS `.data` file: one phrase a line, `#` comments; lower-cased, as both inspectors match lower case. */
function crsData(name: string): string[] {
  return readFileSync(new URL(`./crs/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/** CRS 3.3.4's scanners-user-agents.data (rule 913100). */
export const scannerAgents: readonly string[] = crsData('scanners-user-agents.data')
/** CRS 3.3.4's lfi-os-files.data (rule 930120). */
export const osFiles: readonly string[] = [
  ...crsData('lfi-os-files.data'),
  // Windows files that list (3.3) lacks and traversal payloads reach for.
  'windows/win.ini',
  'winnt/win.ini',
  'windows/system.ini',
  'boot.ini',
  'desktop.ini',
]

// A dot and a separator in every spelling CRS 930100 names: plain, percent- and double-encoded,
// overlong UTF-8, IIS %u and 0x forms. Two dots between separators (or an end) is a traversal.
const dot = String.raw`(?:\.|%2e|%252e|%c0%ae|%e0%80%ae|%c0\.|%u002e|%uff0e|0x2e)`
const separator = String.raw`(?:/|\\|%2f|%5c|%252f|%255c|%c0%af|%c1%9c|%c0%5c|%u2215|%u2216|%uefc8|%uf025|0x2f|0x5c)`
// Also `./\/./`, the same directory spelled to slip past a filter, once backslashes are slashes.
export const traversalPattern = String.raw`(?:^|${separator})${dot}{2,};?(?:${separator}|%|\x00|$)|(?:^|/)\./+\./`

// Paths no route of this service ends in, and that scanners try: scripts of other stacks, secrets, backups.
export const restrictedExtensionPattern = String.raw`\.(?:php\d?|phtml|asp|aspx|ashx|jsp|jspx|cgi|pl|env|git|svn|bak|old|orig|sql|sqlite|mdb|ini|log|conf|config|cfg|htaccess|htpasswd|ds_store|swp|tar|gz|zip|rar|7z|war|pem|key)(?:$|[/;])`

// CRS's SQL rules beside libinjection (942160, 942190, 942200…), narrowed to what honest text never
// says: UNION SELECT, the timing and file functions, a tautology of two operands, ORDER BY a
// number, a quote closed into a comment or a statement, a value that is only quotes.
export const sqlKeywordPattern = [
  String.raw`\bunion\b[\s\S]{0,40}\bselect\b`,
  String.raw`\b(?:sleep|benchmark|pg_sleep|load_file|extractvalue|updatexml|randomblob|dbms_pipe\.receive_message|utl_inaddr\.get_host_address)\s*\(`,
  String.raw`\bwaitfor\s+(?:delay|time)\b|\binformation_schema\b|@@version\b|\bxp_cmdshell\b|\bsp_executesql\b`,
  String.raw`\b(?:or|and|xor|having|where|div)\s+\(?\s*['"]?[\w.]+['"]?\s*(?:=|<>|!=|<=?|>=?)\s*\(?['"\w]`,
  String.raw`\b(?:or|and)\s+(?:true|false|null|not)\b\s*(?:--|#|/\*|$)`,
  String.raw`\border\s+by\s+(?:\d+|sleep)\b`,
  String.raw`['"\x60]\s*\)*\s*(?:--|#|/\*|;)`,
  String.raw`^\s*['"\x60]\s*[-&^*|+ ]?\s*['"\x60]\s*$`,
  String.raw`['"\x60]\s*(?:or|and|xor)\s*['"\x60(]`,
  String.raw`;\s*(?:drop|delete|insert|update|shutdown|exec|execute|declare|select|create|alter|waitfor)\b`,
].join('|')
// Paranoia 2: SQL's words in any order, which a search for "select the best from …" also says.
export const sqlWordsPattern = String.raw`\bselect\b[\s\S]{1,100}\bfrom\b|\b(?:char|concat|group_concat|substring|ascii)\s*\(|\b(?:or|and)\s+['"]?\w+['"]?\s*\blike\b`
export const sqlSpecialCharsPattern = String.raw`(?:[\x27"\x60;=()#]|--|/\*)[\s\S]*(?:[\x27"\x60;=()#]|--|/\*)[\s\S]*(?:[\x27"\x60;=()#]|--|/\*)[\s\S]*(?:[\x27"\x60;=()#]|--|/\*)`
// CRS 941110-941180 at paranoia 1: a tag of those that run script or load things, an event handler
// inside a tag, script URL schemes, the calls payloads prove themselves with.
export const xssTagPattern = [
  String.raw`<\s*/?\s*(?:script|iframe|frame|frameset|svg|img|image|object|embed|body|html|style|link|meta|base|form|math|video|audio|source|details|marquee|input|isindex|applet|layer|ilayer|xml|bgsound|xss)\b`,
  String.raw`<[a-z%][^>]*?[\s/"'\x60]on[a-z]{3,}\s*=`,
  String.raw`\b(?:javascript|vbscript|livescript|mocha)\s*:|\bdata\s*:\s*text/html|\bxlink:href\b`,
  String.raw`\b(?:alert|prompt|confirm|eval)(?:\([^)]{0,40}\)|\x60)|\bdocument\s*\.\s*(?:cookie|domain|write)\b|\bstring\.fromcharcode\b`,
].join('|')
// Paranoia 2: an event handler anywhere, any tag at all.
export const xssAnyTagPattern = String.raw`(?:^|[\s"'\x60;/])on[a-z]{3,}\s*=|<[a-z][a-z0-9]*[\s/>]`
export const proseScriptPattern = String.raw`<\s*script\b|\bjavascript\s*:`

const overlong: [RegExp, string][] = [
  [/\xe0\x80\xae|\xc0\xae|\xc0\x2e/g, '.'],
  [/\xc0\xaf|\xe0\x80\xaf|\xc0\x2f/g, '/'],
  [/\xc1\x9c|\xc0\x5c/g, '\\'],
]

/**
 * A value as a lenient decoder would end up reading it: percent- (and `%u`-) decoded until nothing
 * changes (four rounds at most), overlong UTF-8 folded to the ASCII it spells, backslashes made
 * slashes. Payload lists encode traversals, tags and quotes this way to pass a single decode.
 */
export function deepDecoded(value: string): string {
  let text = value
  for (let round = 0; round < 4 && text.includes('%'); round++) {
    const next = text.replace(
      /%u([0-9a-f]{4})|%([0-9a-f]{2})/gi,
      (_match, wide: string | undefined, byte: string) =>
        String.fromCharCode(Number.parseInt(wide ?? byte, 16)),
    )
    if (next === text) break
    text = next
  }
  for (const [pattern, ascii] of overlong) text = text.replace(pattern, ascii)
  return text.replaceAll('\\', '/')
}

/** Whether a value has anything `deepDecoded` would change. */
export function needsDecoding(value: string): boolean {
  return value.includes('%') || value.includes('\\')
}

/**
 * The protocol checks, the same for both inspectors: a NUL (or, from paranoia 2, any control
 * character) in the path, query or the headers looked at, and from paranoia 2 a missing User-Agent
 * or Accept, which real browsers and the service's own clients always send.
 */
export function protocolFindings(
  target: InspectionTarget,
  paranoia: Paranoia,
  out: InspectionFinding[],
): void {
  const texts: string[] = []
  if (target.path !== undefined) texts.push(target.path)
  if (target.query !== undefined)
    for (const [key, value] of Object.entries(target.query)) {
      texts.push(key)
      if (typeof value === 'string') texts.push(value)
      else texts.push(...value)
    }
  if (target.headers !== undefined) texts.push(...Object.values(target.headers))
  let nul = false
  let control = false
  for (const text of texts) {
    if (text.includes('\0')) nul = true
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
    else if (paranoia >= 2 && /[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) control = true
  }
  if (nul) out.push(finding(rules.nullByte))
  if (control) out.push(finding(rules.controlChars))
  if (paranoia >= 2 && target.headers !== undefined) {
    if (!target.headers['user-agent']) out.push(finding(rules.missingUserAgent))
    if (!target.headers.accept) out.push(finding(rules.missingAccept))
  }
}
