import type { FastifyServerOptions } from 'fastify'
import { stdSerializers } from 'pino'
import type { Config } from '../../config.ts'
import { withoutQueryValues } from '../data/database.client.ts'

/** Fields whose values are secrets, wherever they appear in a log line (up to three levels deep). */
const secretFields = [
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'accessToken',
  'admissionToken',
  'ticket',
  'secret',
  'authorization',
  'cookie',
]

/** What pino replaces with "[redacted]" in every log line. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-queue-ticket"]',
  'req.headers["x-admission-token"]',
  'res.headers["set-cookie"]',
  ...secretFields.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
]

/**
 * The app's logger options: the configured level, secrets redacted and failed queries logged
 * without their values, also when a caller (a test) gives options of its own; false logs nothing.
 */
export function logOptions(
  level: Config['logLevel'],
  given: FastifyServerOptions['logger'] | undefined,
): FastifyServerOptions['logger'] {
  if (given === false) return false
  return {
    level,
    redact: redactedPaths,
    serializers: { err: (error: Error) => stdSerializers.err(withoutQueryValues(error) as Error) },
    ...(typeof given === 'object' ? given : {}),
  }
}
