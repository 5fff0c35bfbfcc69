import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { answers, spawnServerProcess, startServerProcess } from '../support/server.process.ts'

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '')

test('a second server on the same DATA_DIR refuses to start, in one line naming the first', async (t) => {
  const first = await startServerProcess(t)
  const second = await spawnServerProcess(t, { DATA_DIR: first.dataDir })
  assert.equal(await answers(second), false, 'the second server must not serve')
  assert.notEqual(await second.exited, 0)
  const output = lines(second.output())
  assert.equal(output.length, 1, second.output())
  assert.match(output[0] ?? '', new RegExp(`in use by process ${first.child.pid} .*another DATA_DIR`))
  assert.equal((await fetch(`${first.url}/healthz`)).status, 200)
})

test('a server killed without a chance to clean up leaves a lock that the next one takes over', async (t) => {
  const first = await startServerProcess(t)
  first.child.kill('SIGKILL')
  await first.exited
  const next = await startServerProcess(t, { DATA_DIR: first.dataDir })
  assert.equal((await fetch(`${next.url}/readyz`)).status, 200)
})

test('with umask 000 the data directory is 0700 and nothing in it is open to others', async (t) => {
  const parent = mkdtempSync(path.join(tmpdir(), 'bw-umask-'))
  t.after(() => rmSync(parent, { recursive: true, force: true }))
  const dataDir = path.join(parent, 'data')
  const server = await startServerProcess(t, { DATA_DIR: dataDir }, { umask: '000' })
  // Something written after start-up, not only by it.
  assert.equal((await fetch(`${server.url}/api/v1/auth/guest`, { method: 'POST' })).status, 201)

  assert.equal(statSync(dataDir).mode & 0o777, 0o700)
  const entries = readdirSync(dataDir, { recursive: true }).map(String)
  assert.ok(
    entries.some((entry) => entry.startsWith('pgdata')),
    'PGlite wrote its files',
  )
  const open = entries
    .map((entry) => ({ entry, mode: statSync(path.join(dataDir, entry)).mode & 0o777 }))
    .filter(({ mode }) => (mode & 0o077) !== 0)
    .map(({ entry, mode }) => `${mode.toString(8)} ${entry}`)
  assert.deepEqual(open, [])
})
