import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { bodyTarget, loadInspector, urlTarget } from './inspection.check.ts'
import { PatternInspector } from './pattern.inspector.ts'
import { anomalyThreshold, type Inspector, scoreOf } from './request.inspector.ts'

const fixtures = new URL('../../../../test/fixtures/inspection/', import.meta.url)
const refuses = (inspector: Inspector, target: Parameters<Inspector['inspect']>[0]) =>
  scoreOf(inspector.inspect(target)) >= anomalyThreshold

test('without the native module the pattern fallback is used, with the reason', () => {
  const { inspector, fallback } = loadInspector(1, () => {
    throw new Error('No native build was found for platform=plan9 arch=mips\nmore lines')
  })
  assert.ok(inspector instanceof PatternInspector)
  assert.equal(fallback, 'No native build was found for platform=plan9 arch=mips')
  const native = loadInspector(1)
  assert.equal(native.fallback, null)
  assert.match(native.inspector.engine, /^libddwaf \d/)
})

test('the pattern fallback refuses the classic payloads and lets honest text through', () => {
  const inspector = new PatternInspector(1)
  const url = (query: string) =>
    urlTarget({ url: `/api/v1/events?q=${encodeURIComponent(query)}`, headers: {} })
  for (const payload of [
    "1' OR '1'='1",
    "admin'--",
    '1 UNION SELECT username, password FROM users',
    "1; WAITFOR DELAY '0:0:5'--",
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    'javascript:alert(document.cookie)',
    '../../../../etc/passwd',
    '..%252f..%252f..%252fetc%252fpasswd',
  ])
    assert.ok(refuses(inspector, url(payload)), payload)
  assert.ok(refuses(inspector, urlTarget({ url: '/', headers: { 'user-agent': 'sqlmap/1.7.2#stable' } })))
  for (const honest of [
    "O'Neil",
    "Rock 'n' roll",
    '아이폰 15 프로 256GB',
    'size 10-12',
    'AT&T',
    'C++ Primer, 5th ed.',
  ])
    assert.ok(!refuses(inspector, url(honest)), honest)
  assert.ok(!refuses(inspector, bodyTarget({ name: "Seán O'Neil", email: "o'neil@example.com" }, undefined)))
})

test('the pattern fallback on the corpora: 99 % of the attacks refused, 0.5 % of the honest requests at most', () => {
  const inspector = new PatternInspector(1)
  let attacks = 0
  let blocked = 0
  for (const list of readdirSync(new URL('attacks/', fixtures)))
    for (const line of readFileSync(new URL(`attacks/${list}`, fixtures), 'utf8').split('\n')) {
      if (line.trim() === '' || /^#\s/.test(line)) continue
      attacks++
      const target = list.startsWith('scanner')
        ? urlTarget({ url: '/api/v1/events', headers: { 'user-agent': line } })
        : urlTarget({ url: `/api/v1/events?q=${encodeURIComponent(line)}`, headers: {} })
      if (refuses(inspector, target)) blocked++
    }
  const benign: { url: string; headers: Record<string, string>; body?: Record<string, unknown> }[] =
    JSON.parse(readFileSync(new URL('benign.json', fixtures), 'utf8'))
  let refused = 0
  for (const request of benign) {
    const findings = inspector.inspect(urlTarget(request))
    if (request.body !== undefined)
      findings.push(
        ...inspector.inspect(
          bodyTarget(request.body, request.url === '/api/v1/events' ? { prose: ['description'] } : undefined),
        ),
      )
    if (scoreOf(findings) >= anomalyThreshold) refused++
  }
  console.log(
    `inspection (pattern fallback, paranoia 1): attacks blocked ${((100 * blocked) / attacks).toFixed(2)} % (${blocked}/${attacks}), ` +
      `benign refused ${((100 * refused) / benign.length).toFixed(2)} % (${refused}/${benign.length})`,
  )
  assert.ok(blocked / attacks >= 0.99)
  assert.ok(refused / benign.length <= 0.005)
})
