import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { answers, spawnServerProcess } from '../support/server.process.ts'

test('a port in use refuses the start in one line, not a stack trace', async (t) => {
  // Another web server: it answers every request 503, so polling the port for readiness never
  // mistakes it for ours.
  const squatter = createServer((_, response) => response.writeHead(503).end())
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    squatter.closeAllConnections()
    squatter.close()
  })
  const { port } = squatter.address() as AddressInfo

  // At the default log level, so that whatever the server logs on the way shows too.
  const server = await spawnServerProcess(t, { PORT: String(port), LOG_LEVEL: 'info' })
  assert.equal(await answers(server), false, 'the server must not serve')
  assert.notEqual(await server.exited, 0)
  const output = server.output().trim()
  assert.match(output, new RegExp(`^breakwater: port ${port} on 127.0.0.1 is already in use.*another PORT$`))
  assert.doesNotMatch(output, /\n/)
})
