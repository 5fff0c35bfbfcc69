import assert from 'node:assert/strict'
import { request } from 'node:http'
import { test } from 'node:test'
import { hashingBound } from '../../src/modules/accounts/password.hasher.ts'
import { startServerProcess } from '../support/server.process.ts'

interface Outcome {
  status?: number
  error?: string
}

/** One request on its own connection, so a connection the server never accepted shows as refused. */
function register(url: string, n: number): Promise<Outcome> {
  const body = JSON.stringify({ email: `drain-${n}@example.com`, password: 'a long enough password' })
  return new Promise((resolve) => {
    const req = request(
      `${url}/api/v1/auth/register`,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode }))
      },
    )
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    req.end(body)
  })
}

test('SIGTERM under load: every accepted request completes, then the process exits cleanly', async (t) => {
  // One client stands for many people here.
  const server = await startServerProcess(t, { RATE_LIMIT_LOGIN_PER_MINUTE: '0' })
  // Password hashing makes each registration take a while, so many are in flight at once: as many
  // as may hash or wait for a slot, since the server refuses more than that at once.
  const inFlight = Array.from({ length: hashingBound.running + hashingBound.waiting }, (_, n) =>
    register(server.url, n),
  )
  await Promise.race(inFlight)
  server.child.kill('SIGTERM')
  const outcomes = await Promise.all(inFlight)

  const failures = outcomes.filter((o) => o.status !== 201)
  assert.deepEqual(failures, [], `accepted requests must all complete:\n${server.output()}`)
  assert.equal(await server.exited, 0, server.output())
  const late = await register(server.url, 999)
  assert.equal(late.error, 'ECONNREFUSED')
})
