import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { freePort } from '../support/redis.server.ts'
import { onTeardown } from '../support/teardown.stack.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

// A supervisor (systemd, a container runtime) signals the one process it started, here npm. When
// npm's shell ran the server as its child, the shell died and the server kept serving: to see
// that, take `exec` out of the `start` script in package.json.
test('SIGTERM to the `npm start` process drains and stops the server', async (t) => {
  const port = await freePort()
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bw-npm-start-'))
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that whatever npm started can be cleaned up if the test fails.
    detached: true,
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  onTeardown(t, async () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL')
    } catch {}
    rmSync(dataDir, { recursive: true, force: true })
  })

  const url = `http://127.0.0.1:${port}/healthz`
  let ready = false
  for (let attempt = 0; attempt < 300 && !ready && child.exitCode === null; attempt++) {
    ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    )
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.ok(ready, `npm start did not serve:\n${output}`)

  process.kill(child.pid as number, 'SIGTERM')
  assert.equal(await exited, 0, output)
  assert.match(output, /shutting down: draining in-flight requests/)
  await assert.rejects(fetch(url), (error: Error & { cause?: { code?: string } }) => {
    assert.equal(error.cause?.code, 'ECONNREFUSED')
    return true
  })
})
