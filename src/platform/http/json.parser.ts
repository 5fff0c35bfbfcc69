import type { FastifyInstance } from 'fastify'
import { AppError } from './errors.catalogue.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * JSON bodies must be UTF-8 (RFC 8259 §8.1). Fastify's own parser decodes the bytes leniently,
 * turning a broken sequence into U+FFFD, so a name sent as Latin-1 would be stored garbled; here
 * such a body is a 400 instead, then parsed by Fastify's parser with its prototype-poisoning guards.
 */
export function strictJsonBodies(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string
    try {
      text = utf8.decode(body as Buffer)
    } catch {
      done(new AppError('BW_MALFORMED_BODY', 'The request body is not valid UTF-8'), undefined)
      return
    }
    parse(request, text, done)
  })
}
