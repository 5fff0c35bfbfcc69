import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { deriveKey, loadOrCreateSecret } from './secrets.store.ts'

test('an embedded secret is generated once and kept, readable only by its owner', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-secret-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const first = loadOrCreateSecret(null, dir)
  assert.equal(loadOrCreateSecret(null, dir), first)
  assert.equal(statSync(path.join(dir, 'token-secret')).mode & 0o777, 0o600)
  assert.equal(loadOrCreateSecret('given-secret', dir), 'given-secret')
  assert.notEqual(loadOrCreateSecret(null, null), loadOrCreateSecret(null, null))
})

test('each purpose gets its own key', () => {
  const a = deriveKey('s'.repeat(32), 'access-token')
  const b = deriveKey('s'.repeat(32), 'queue-ticket')
  assert.equal(a.length, 32)
  assert.notDeepEqual(a, b)
  assert.deepEqual(a, deriveKey('s'.repeat(32), 'access-token'))
})
