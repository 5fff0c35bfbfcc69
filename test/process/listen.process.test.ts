import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type TestContext, test } from 'node:test'
import { freePort } from '../support/redis.server.ts'
import { answers, spawnServerProcess } from '../support/server.process.ts'

/**
 * Another web server on a loopback port: it answers every request 503, so polling the port for
 * readiness never mistakes it for ours.
 */
async function squat(t: TestContext): Promise<number> {
  const squatter: Server = createServer((_, response) => response.writeHead(503).end())
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    squatter.closeAllConnections()
    squatter.close()
  })
  return (squatter.address() as AddressInfo).port
}

test('a port in use refuses the start in one line, before anything is opened in DATA_DIR', async (t) => {
  const port = await squat(t)
  // At the default log level, so that whatever the server logs on the way shows too.
  const server = await spawnServerProcess(t, { PORT: String(port), LOG_LEVEL: 'info' })
  assert.equal(await answers(server), false, 'the server must not serve')
  assert.notEqual(await server.exited, 0)
  const output = server.output().trim()
  assert.match(output, new RegExp(`^breakwater: port ${port} on 127.0.0.1 is already in use.*another PORT$`))
  assert.doesNotMatch(output, /\n/)
  // The port is checked first: no embedded database was opened, locked or migrated to find out.
  assert.deepEqual(readdirSync(server.dataDir), [])
})

test('a metrics port in use refuses the start in one line naming METRICS_PORT', async (t) => {
  const metricsPort = await squat(t)
  const server = await spawnServerProcess(t, {
    PORT: String(await freePort()),
    METRICS_PORT: String(metricsPort),
    LOG_LEVEL: 'info',
  })
  assert.equal(await answers(server), false, 'the server must not serve')
  assert.notEqual(await server.exited, 0)
  const output = server.output().trim()
  assert.match(
    output,
    new RegExp(
      `^breakwater: METRICS_PORT ${metricsPort} on 127.0.0.1 is already in use.*another METRICS_PORT$`,
    ),
  )
  assert.doesNotMatch(output, /\n/)
  assert.deepEqual(readdirSync(server.dataDir), [])
})
