import assert from 'node:assert/strict'
import { test } from 'node:test'
import { requestIdOf } from './request.id.ts'

const fresh = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('a plain id of at most 64 characters is kept', () => {
  for (const id of [
    'trace-me-123',
    'a',
    'x'.repeat(64),
    '0af7651916cd43dd8448eb211c80319c',
    'web:4411:7',
    'A.b_C-d',
  ])
    assert.equal(requestIdOf(id), id)
})

test('anything else gets a fresh UUID instead', () => {
  const refused: (string | string[] | undefined)[] = [
    undefined,
    '',
    'x'.repeat(65),
    'has space',
    'line\nbreak',
    '"quoted"',
    '<script>',
    'caf\u00e9',
    'a/b',
    'nul\u0000',
    ['one', 'two'],
  ]
  for (const header of refused) {
    const id = requestIdOf(header)
    assert.match(id, fresh, JSON.stringify(header))
    assert.notEqual(id, header)
  }
})
