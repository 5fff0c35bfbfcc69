import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { build } from '../support/app.builder.ts'

/** An app whose log lines (JSON, level info and up) are kept in `lines`. */
async function logged(t: Parameters<typeof build>[0]): Promise<{ app: FastifyInstance; lines: string[] }> {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  return { app: await build(t, {}, { logger: { level: 'info', stream } }), lines }
}

test('NUL and unpaired surrogates in a registration are a 400 naming the field', async (t) => {
  const { app } = await logged(t)
  const valid = { email: 'text@example.com', password: 'a long enough password', displayName: 'Fan' }
  const cases: [string, Record<string, string>][] = [
    ['displayName', { displayName: 'a\u0000b' }],
    ['displayName', { displayName: 'half \udc00 a pair' }],
    ['email', { email: 'te\u0000xt@example.com' }],
    ['password', { password: 'a long enough\u0000password' }],
    ['password', { password: 'a long enough \ud800 password' }],
  ]
  for (const [field, change] of cases) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { ...valid, ...change },
    })
    assert.equal(response.statusCode, 400, `${field}: ${response.body}`)
    assert.equal(response.json().code, 'BW_VALIDATION')
    assert.deepEqual(new Set(response.json().errors.map((e: { field: string }) => e.field)), new Set([field]))
  }
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: valid.email, password: 'nul\u0000' },
  })
  assert.equal(login.statusCode, 400)
  // A pair is one character, and is welcome.
  const emoji = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { ...valid, displayName: 'Fan 🎫' },
  })
  assert.equal(emoji.statusCode, 201)
  assert.equal(emoji.json().user.displayName, 'Fan 🎫')
})

test('a failed query is logged with its SQL but never its values; secret fields are redacted', async (t) => {
  const { app, lines } = await logged(t)
  const email = 'secret.fan@example.com'
  const hash = 'scrypt$32768$8$1$c2FsdA$aGFzaA'
  // Straight to the repository's query, past the schema, as any query that fails on a value does.
  await assert.rejects(
    app.database.db.execute(
      sql`INSERT INTO users (email, password_hash, display_name) VALUES (${email}, ${hash}, ${'a\u0000b'})`,
    ),
    (error: unknown) => {
      app.log.error({ err: error }, 'query failed')
      return true
    },
  )
  // A violated key: PostgreSQL's own error quotes the key's value in its detail.
  const insert = sql`INSERT INTO users (email, password_hash) VALUES (${email}, ${hash})`
  await app.database.db.execute(insert)
  await assert.rejects(app.database.db.execute(insert), (error: unknown) => {
    assert.match(JSON.stringify((error as { cause?: { detail?: string } }).cause?.detail), /secret\.fan/)
    app.log.error({ err: error }, 'query failed')
    // And PostgreSQL's error alone, as a driver hands it over outside drizzle.
    app.log.error({ err: (error as { cause?: unknown }).cause }, 'query failed')
    return true
  })
  app.log.info(
    { password: 'hunter2-hunter2', user: { passwordHash: hash, accessToken: 'eyJ.secret.token' } },
    'a careless line',
  )
  const text = lines.join('')
  assert.match(text, /Failed query: INSERT INTO users/, 'the statement is logged')
  // Without the log serializer (src/platform/process/log.options.ts), the email and hash are in the line.
  for (const secret of [email, hash, 'hunter2-hunter2', 'eyJ.secret.token'])
    assert.equal(text.includes(secret), false, `${secret} is not in the log`)
  assert.match(text, /"password":"\[Redacted\]"/)
})
