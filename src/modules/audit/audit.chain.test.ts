import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ChainedEntry, ChainWalker, canonicalJson, entryHash, genesisHash } from './audit.chain.ts'

test('canonical JSON does not depend on key order, and keeps arrays in order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}')
  assert.equal(
    canonicalJson({ a: { c: null, d: [3, 1] }, b: 1 }),
    canonicalJson({ b: 1, a: { d: [3, 1], c: null } }),
  )
  assert.equal(canonicalJson({ a: undefined, b: 'x' }), '{"b":"x"}')
  assert.throws(() => canonicalJson({ a: Number.NaN }))
})

const entry = (id: number, details: unknown = {}): ChainedEntry => ({
  id,
  at: new Date('2030-01-01T00:00:00.123Z'),
  actorId: null,
  actorRole: 'admin',
  actorIp: '192.0.2.1',
  action: 'test.step',
  target: null,
  details,
})

function chain(length: number) {
  let prevHash = genesisHash
  return Array.from({ length }, (_, i) => {
    const e = entry(i + 1, { i })
    const hash = entryHash(prevHash, e)
    const linked = { ...e, prevHash, hash }
    prevHash = hash
    return linked
  })
}

test('every field and the previous hash go into an entry’s hash', () => {
  const base = entryHash(genesisHash, entry(1))
  assert.match(base, /^[0-9a-f]{64}$/)
  assert.notEqual(entryHash('1'.repeat(64), entry(1)), base)
  assert.notEqual(entryHash(genesisHash, entry(2)), base)
  assert.notEqual(entryHash(genesisHash, { ...entry(1), actorIp: '192.0.2.2' }), base)
  assert.notEqual(entryHash(genesisHash, entry(1, { x: 1 })), base)
})

test('the walker passes a whole chain and stops at the first entry after a gap, or a changed one', () => {
  const whole = new ChainWalker()
  const entries = chain(6)
  assert.ok(entries.every((e) => whole.add(e)))
  assert.equal(whole.checked, 6)
  assert.equal(whole.head, entries[5]?.hash)

  const gap = new ChainWalker()
  for (const e of entries.filter((e) => e.id !== 3)) gap.add(e)
  assert.deepEqual({ id: gap.broken?.id, checked: gap.checked }, { id: 4, checked: 2 })

  const changed = new ChainWalker()
  for (const e of entries.map((e) => (e.id === 5 ? { ...e, details: { i: 40 } } : e))) changed.add(e)
  assert.equal(changed.broken?.id, 5)

  const headless = new ChainWalker()
  headless.add(entries[1] as (typeof entries)[number])
  assert.equal(headless.broken?.id, 2)
})
