import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type TestContext, test } from 'node:test'
import { StartupRefusal } from '../process/startup.refusal.ts'
import { lockDirectory } from './directory.lock.ts'

function directory(t: TestContext): string {
  const parent = mkdtempSync(path.join(tmpdir(), 'bw-lock-'))
  t.after(() => rmSync(parent, { recursive: true, force: true }))
  return path.join(parent, 'pgdata')
}

const refusedBy = (pid: number) => (error: unknown) => {
  assert.ok(error instanceof StartupRefusal)
  assert.match(error.message, new RegExp(`in use by process ${pid} `))
  assert.doesNotMatch(error.message, /\n/)
  return true
}

test('a locked directory is refused until its lock is released', (t) => {
  const dir = directory(t)
  const lock = lockDirectory(dir)
  assert.equal(readFileSync(`${dir}.lock`, 'utf8').trim(), String(process.pid))
  assert.throws(() => lockDirectory(dir), refusedBy(process.pid))
  lock.release()
  assert.equal(existsSync(`${dir}.lock`), false)
  lockDirectory(dir).release()
})

test('a lock held by another live process is refused, naming it', (t) => {
  const dir = directory(t)
  // The test runner that started this file is alive, and is not this process.
  writeFileSync(`${dir}.lock`, `${process.ppid}\n`)
  assert.throws(() => lockDirectory(dir), refusedBy(process.ppid))
  assert.equal(readFileSync(`${dir}.lock`, 'utf8').trim(), String(process.ppid))
})

test('a lock left by a process that is gone, or by an earlier life of this pid, is taken over', (t) => {
  const dir = directory(t)
  const gone = spawnSync(process.execPath, ['-e', '']).pid
  for (const stale of [String(gone), String(process.pid), 'not a pid']) {
    writeFileSync(`${dir}.lock`, `${stale}\n`)
    const lock = lockDirectory(dir)
    assert.equal(readFileSync(`${dir}.lock`, 'utf8').trim(), String(process.pid))
    lock.release()
  }
})
