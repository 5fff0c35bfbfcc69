import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { build } from '../support/app.builder.ts'

test('the committed OpenAPI document is the one the routes generate (run `npm run openapi`)', async (t) => {
  const app = await build(t)
  const committed = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'))
  assert.deepEqual(committed, JSON.parse(JSON.stringify(app.swagger())))
})
