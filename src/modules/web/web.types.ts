import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript'

/** The OpenAPI document the routes generate (`npm run openapi`) and the web app's types made from it. */
export const openapiFile = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url))
export const apiTypesFile = fileURLToPath(new URL('../../../web/src/api.types.ts', import.meta.url))

const banner = `// Generated from docs/openapi.json by \`npm run web:types\` (openapi-typescript). Do not edit.\n\n`

/** The web app's request and response types for an OpenAPI document, as web/src/api.types.ts holds them. */
export async function renderApiTypes(document: OpenAPI3): Promise<string> {
  return banner + astToString(await openapiTS(document))
}

export function readOpenapiDocument(): OpenAPI3 {
  return JSON.parse(readFileSync(openapiFile, 'utf8')) as OpenAPI3
}

// `npm run web:types` runs this file.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(apiTypesFile, await renderApiTypes(readOpenapiDocument()))
  console.log(`wrote ${path.relative(process.cwd(), apiTypesFile)}`)
}
