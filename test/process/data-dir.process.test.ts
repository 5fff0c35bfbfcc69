import assert from 'node:assert/strict'
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
