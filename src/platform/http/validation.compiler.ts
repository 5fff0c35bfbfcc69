import { Ajv, type Options } from 'ajv'
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
  addFormats.default(instance)
  return instance
}

// Bodies are JSON and must carry the declared types; a number where a string belongs is an error.
const strict = ajv({ coerceTypes: false })
// Paths, query strings and headers arrive as text, so they are converted to the declared types.
const coercing = ajv({ coerceTypes: 'array' })

/** Validates request bodies strictly and converts parameters from text. */
export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema) as ReturnType<FastifySchemaCompiler<object>>
