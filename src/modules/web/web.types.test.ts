import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { apiTypesFile, readOpenapiDocument, renderApiTypes } from './web.types.ts'

/** The first line where two texts part, so a drift message points at it instead of printing both. */
function firstDifference(a: string, b: string): string | null {
  const left = a.split('\n')
  const right = b.split('\n')
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i])
      return `line ${i + 1}: committed ${JSON.stringify(left[i])}, generated ${JSON.stringify(right[i])}`
  }
  return null
}

test('the web app types are the ones docs/openapi.json generates (run `npm run web:types`)', async () => {
  const drift = firstDifference(
    readFileSync(apiTypesFile, 'utf8'),
    await renderApiTypes(readOpenapiDocument()),
  )
  assert.equal(drift, null, `web/src/api.types.ts is out of date, run \`npm run web:types\` (${drift})`)
})

test('a route the document gains or loses shows as drift', async () => {
  const before = await renderApiTypes(readOpenapiDocument())
  const document = readOpenapiDocument()
  delete document.paths?.['/api/v1/events/{eventId}/seats']
  const drift = firstDifference(before, await renderApiTypes(document))
  assert.match(drift ?? '', /seats/)
})
