import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

function ajv(options: Options): Ajv {
  const instance = new Ajv({
    strict: false,
    allErrors: true,
    useDefaults: true,
    removeAdditional: false,
    ...options,
  })
  // With its keywords: `formatMinimum` and `formatMaximum` bound dates.
  addFormats.default(instance)
  return instance
}

// Bodies are JSON and must carry the declared types; a number where a string belongs is an error.
const strict = ajv({ coerceTypes: false })
// Paths, query strings and headers arrive as text, so they are converted to the declared types.
const coercing = ajv({ coerceTypes: 'array' })

/** NUL, which PostgreSQL cannot store in text or JSON, and lone surrogates, which are not Unicode. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what it looks for
const badText = /[\u0000\p{Cs}]/u

/** The JSON pointer of the first string (value or key) in `value` that is not storable text, or null. */
export function badTextAt(value: unknown, at = ''): string | null {
  if (typeof value === 'string') return badText.test(value) ? at : null
  if (typeof value !== 'object' || value === null) return null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = badTextAt(value[i], `${at}/${i}`)
      if (found !== null) return found
    }
    return null
  }
  for (const key in value) {
    const path = `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`
    if (badText.test(key)) return path
    const found = badTextAt((value as Record<string, unknown>)[key], path)
    if (found !== null) return found
  }
  return null
}

/**
 * Validates request bodies strictly and converts parameters from text. Whatever the schema says,
 * no part of a request may carry text the database cannot store: every route gets that check
 * without each string schema having to ask for it.
 */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) => {
  const validate = (httpPart === 'body' ? strict : coercing).compile(schema)
  const checked = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    if (!validate(data, context)) {
      checked.errors = validate.errors
      return false
    }
    const at = badTextAt(data)
    checked.errors = at === null ? null : [textError(at)]
    return at === null
  }) as ValidateFunction
  // Fastify passes the parent to a validator that has one, so that Ajv may replace a root value.
  checked.schemaEnv = validate.schemaEnv
  checked.schema = validate.schema
  return checked as ReturnType<FastifySchemaCompiler<object>>
}

function textError(instancePath: string): ErrorObject {
  return {
    keyword: 'text',
    instancePath,
    schemaPath: '#',
    params: {},
    message: 'must be text without NUL characters or unpaired surrogates',
  }
}
