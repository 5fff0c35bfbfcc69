import assert from 'node:assert/strict'
import { test } from 'node:test'
import { badTextAt } from './validation.compiler.ts'

test('text the database can store passes, wherever it sits', () => {
  assert.equal(
    badTextAt({ name: 'Säule 🎸 한국어', rows: [{ name: 'A' }], n: 1, ok: true, none: null }),
    null,
  )
  assert.equal(badTextAt('plain'), null)
})

test('NUL and unpaired surrogates are found by their JSON pointer, in values and keys', () => {
  assert.equal(badTextAt('a\u0000b'), '')
  assert.equal(badTextAt({ name: 'x\ud800' }), '/name')
  assert.equal(
    badTextAt({ seatMap: { sections: [{ name: 'ok' }, { name: '\udfff' }] } }),
    '/seatMap/sections/1/name',
  )
  assert.equal(badTextAt({ 'a/b': { 'k\u0000': 1 } }), '/a~1b/k\u0000')
})
