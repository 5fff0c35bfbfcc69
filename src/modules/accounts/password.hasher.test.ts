import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import { HashingSlots, passwordHasher } from './password.hasher.ts'

test('a password verifies against its own hash only', async () => {
  const stored = await passwordHasher.hash('correct horse battery')
  assert.match(stored, /^scrypt\$32768\$8\$1\$/)
  assert.equal(await passwordHasher.verify('correct horse battery', stored), true)
  assert.equal(await passwordHasher.verify('correct horse batterY', stored), false)
})

test('hashing slots: a bounded number run, a bounded number wait, the rest are refused at once', async () => {
  const slots = new HashingSlots({ running: 2, waiting: 3 })
  const releases: (() => void)[] = []
  const started: number[] = []
  const work = (n: number) => () =>
    new Promise<number>((resolve) => {
      started.push(n)
      releases.push(() => resolve(n))
    })
  const runs = Array.from({ length: 8 }, (_, n) => slots.run(work(n)))
  const outcomes = Promise.allSettled(runs)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(started, [0, 1], 'two run')
  assert.deepEqual(slots.load, { running: 2, waiting: 3 })
  // The three beyond the line were refused before any work finished.
  for (const refused of runs.slice(5)) {
    await assert.rejects(refused, (error: unknown) => {
      assert.ok(error instanceof AppError)
      assert.equal(error.code, 'BW_BUSY')
      assert.equal(error.status, 503)
      assert.equal(error.extensions.retryAfterSeconds, 1)
      return true
    })
  }
  while (releases.length > 0) {
    ;(releases.shift() as () => void)()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const settled = await outcomes
  assert.deepEqual(
    settled.slice(0, 5).map((o) => o.status === 'fulfilled' && o.value),
    [0, 1, 2, 3, 4],
  )
  assert.deepEqual(started, [0, 1, 2, 3, 4], 'the waiting ones ran in order')
  assert.deepEqual(slots.load, { running: 0, waiting: 0 })
  // A failing hash frees its slot too.
  await assert.rejects(
    slots.run(() => Promise.reject(new Error('boom'))),
    /boom/,
  )
  assert.deepEqual(slots.load, { running: 0, waiting: 0 })
})
