import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { isDatabaseUnavailable } from '../data/database.client.ts'
import { isRedisUnavailable } from '../data/redis.client.ts'
import { AppError, DependencyUnavailableError, type ErrorCode, errorCatalogue } from './errors.catalogue.ts'
import { refusalHeaders } from './request.gate.ts'

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  code: ErrorCode
  requestId: string
  [extension: string]: unknown
}

const codeForStatus: Record<number, ErrorCode> = {
  400: 'BW_VALIDATION',
  401: 'BW_UNAUTHENTICATED',
  403: 'BW_FORBIDDEN',
  404: 'BW_NOT_FOUND',
  405: 'BW_METHOD_NOT_ALLOWED',
  409: 'BW_CONFLICT',
  413: 'BW_BODY_TOO_LARGE',
  415: 'BW_UNSUPPORTED_MEDIA_TYPE',
  429: 'BW_RATE_LIMITED',
  503: 'BW_UNAVAILABLE',
}

/** Answers every error as RFC 9457 problem details with a stable `code`; 5xx internals stay in the log. */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const problem = toProblem(error, request)
      if (problem.status >= 500) request.log.error({ err: error, code: problem.code }, 'request failed')
      else request.log.info({ code: problem.code, detail: problem.detail }, 'request refused')
      const extra = refusalHeaders(error)
      if (extra) reply.headers(extra)
      sendProblem(reply, problem)
    })
    app.setNotFoundHandler((request, reply) => {
      sendProblem(
        reply,
        problemOf(
          'BW_ROUTE_NOT_FOUND',
          `No route for ${request.method} ${request.url.split('?')[0]}`,
          request,
        ),
      )
    })
  },
  { name: 'errors' },
)

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  if (typeof problem.retryAfterSeconds === 'number')
    reply.header('retry-after', String(problem.retryAfterSeconds))
  return reply.code(problem.status).type('application/problem+json').send(problem)
}

/** Where a problem happened: the request's URL and id (a Fastify request, or the crowd's lane). */
export type ProblemOrigin = Pick<FastifyRequest, 'url' | 'id'>

export function problemOf(
  code: ErrorCode,
  detail: string | undefined,
  request: ProblemOrigin,
  extensions = {},
): Problem {
  const entry = errorCatalogue[code]
  return {
    type: `urn:breakwater:problem:${code}`,
    title: entry.title,
    status: entry.status,
    detail: detail ?? entry.title,
    instance: request.url.split('?')[0] ?? request.url,
    code,
    requestId: request.id,
    ...extensions,
  }
}

/** The problem details for any error a route throws. */
export function toProblem(error: FastifyError, request: ProblemOrigin): Problem {
  if (error instanceof DependencyUnavailableError) {
    return problemOf(error.code, error.message, request, { retryAfterSeconds: error.retryAfterSeconds })
  }
  if (error instanceof AppError) return problemOf(error.code, error.message, request, error.extensions)
  if (error.validation) {
    const errors = error.validation.map((issue) => {
      const missing = (issue.params as { missingProperty?: string }).missingProperty
      const pointer = `${issue.instancePath}${missing ? `/${missing}` : ''}`
      const field = pointer.replace(/^\//, '').replaceAll('/', '.') || error.validationContext || 'body'
      return {
        field,
        in: error.validationContext,
        message: missing ? 'is required' : (issue.message ?? 'is invalid'),
      }
    })
    const detail = errors.map((e) => `${e.field} ${e.message}`).join('; ')
    return problemOf('BW_VALIDATION', detail, request, { errors })
  }
  if (isDatabaseUnavailable(error))
    return problemOf('BW_UNAVAILABLE', 'The database is unavailable', request, { retryAfterSeconds: 1 })
  if (isRedisUnavailable(error))
    return problemOf('BW_UNAVAILABLE', 'Redis is unavailable', request, { retryAfterSeconds: 1 })
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    if (error.code === 'FST_ERR_BAD_URL') return problemOf('BW_BAD_URL', undefined, request)
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return problemOf('BW_BODY_TOO_LARGE', undefined, request)
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return problemOf('BW_UNSUPPORTED_MEDIA_TYPE', error.message, request)
    if (status === 400) return problemOf('BW_MALFORMED_BODY', error.message, request)
    const code = codeForStatus[status] ?? 'BW_VALIDATION'
    return { ...problemOf(code, error.message, request), status }
  }
  if (status === 503) return problemOf('BW_SHUTTING_DOWN', undefined, request, { retryAfterSeconds: 1 })
  return problemOf('BW_INTERNAL', undefined, request)
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot take (bad percent-encoding, a parameter
 * over `maxParamLength`) is refused before any hook runs, so the request id is set here.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = toProblem(error, request)
  request.log.info({ code: problem.code }, 'request refused')
  reply.header('x-request-id', request.id)
  sendProblem(reply, problem)
}

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refused the bytes (headers over the size limit,
 * broken framing, a request that took too long), so there is no request to answer through Fastify,
 * only the socket. Answered as problem details all the same, then the connection is closed.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: NodeJS.ErrnoException,
  socket: Socket,
): void {
  // A reset socket has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const code: ErrorCode =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'BW_HEADERS_TOO_LARGE'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'BW_REQUEST_TIMEOUT'
        : 'BW_BAD_REQUEST'
  this.log.debug({ err: error, code }, 'client error')
  if (socket.writable) {
    // Nothing of the request was parsed: no URL to name as the instance, no id to keep.
    const { instance: _unknown, ...problem } = problemOf(code, undefined, { url: '', id: randomUUID() })
    const body = JSON.stringify(problem)
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${problem.requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    )
  }
  socket.destroy(error)
}
