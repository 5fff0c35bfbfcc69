import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RefreshingCache } from './refreshing.cache.ts'

/** A loader whose reads the test answers one by one. */
function controlledLoader() {
  const pending: { key: string; resolve: (value: number) => void; reject: (error: Error) => void }[] = []
  const load = (key: string) =>
    new Promise<number>((resolve, reject) => {
      pending.push({ key, resolve, reject })
    })
  return { load, pending }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

/** A cache (time to live 1 s) whose key 'a' was read as `value` and has since gone stale. */
async function staleAfterReading(value: number) {
  const { load, pending } = controlledLoader()
  const clock = { now: 0 }
  const cache = new RefreshingCache(load, 1000, () => clock.now)
  const first = cache.get('a')
  pending[0]?.resolve(value)
  await first
  clock.now = 1500
  return { cache, pending, clock }
}

test('a key never read waits for its read, and concurrent first reads share one', async () => {
  const { load, pending } = controlledLoader()
  const cache = new RefreshingCache(load, 1000, () => 0)
  const first = cache.get('a')
  const second = cache.get('a')
  assert.equal(pending.length, 1)
  pending[0]?.resolve(7)
  assert.deepEqual(await Promise.all([first, second]), [7, 7])
  assert.equal(await cache.get('a'), 7)
  assert.equal(pending.length, 1, 'a fresh value is not read again')
})

test('a stale value is answered at once while one read replaces it', async () => {
  const { cache, pending } = await staleAfterReading(1)
  assert.equal(await cache.get('a'), 1)
  assert.equal(await cache.get('a'), 1)
  assert.equal(pending.length, 2, 'one refresh for both stale reads')
  pending[1]?.resolve(2)
  await settle()
  assert.equal(await cache.get('a'), 2)
  assert.equal(cache.peek('a'), 2)
})

test('with waitMs, a prompt refresh is waited for and a slow one is not', async () => {
  const { cache, pending, clock } = await staleAfterReading(1)
  const prompt = cache.get('a', 10_000)
  pending[1]?.resolve(0)
  assert.equal(await prompt, 0, 'the fresh value, not the known one')
  clock.now = 3000
  // The third read never answers in time: the caller goes on with what is known.
  assert.equal(await cache.get('a', 20), 0)
  pending[2]?.resolve(5)
  await settle()
  assert.equal(cache.peek('a'), 5)
})

test('a failed refresh keeps the known value and is tried again; a failed first read fails', async () => {
  const { cache, pending } = await staleAfterReading(3)
  assert.equal(await cache.get('a'), 3)
  pending[1]?.reject(new Error('database busy'))
  await settle()
  assert.equal(await cache.get('a'), 3)
  assert.equal(pending.length, 3, 'the next stale read tries again')
  pending[2]?.resolve(4)
  await settle()
  assert.equal(cache.peek('a'), 4)

  const never = cache.get('b')
  pending[3]?.reject(new Error('database away'))
  await assert.rejects(never, /database away/)
  assert.equal(cache.peek('b'), undefined)
})
