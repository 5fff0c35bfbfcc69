import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { type TestContext, test } from 'node:test'
import type { QueueSettings, QueueState } from '../../src/modules/waiting-room/queue-state.types.ts'

const defaults: QueueSettings = { state: 'open', admissionRatePerSec: 10, maxActive: 1000 }
const graceMs = 10_000
const tickOptions = { maxSteps: 10_000, maxElapsedMs: 5_000 }

export type QueueStateFactory = (t: TestContext, graceMs: number) => Promise<QueueState>

/** The one behaviour suite both queue state implementations must pass. */
export function queueStateBehaviour(name: string, make: QueueStateFactory): void {
  const setup = async (t: TestContext) => ({ state: await make(t, graceMs), eventId: randomUUID() })

  test(`${name}: join hands out consecutive numbers, the same one again to the same user`, async (t) => {
    const { state, eventId } = await setup(t)
    const now = 1_800_000_000_000
    assert.equal(await state.frontier(eventId, now), null)
    const first = await state.join(eventId, 'u1', defaults, now)
    const second = await state.join(eventId, 'u2', defaults, now + 5000)
    const { epoch } = first
    assert.ok(epoch > 0)
    assert.deepEqual(first, { number: 1, issuedAt: 1_800_000_000, created: true, epoch })
    assert.deepEqual(second, { number: 2, issuedAt: 1_800_000_005, created: true, epoch })
    assert.deepEqual(await state.join(eventId, 'u1', defaults, now + 9000), { ...first, created: false })
    const concurrent = await Promise.all(
      Array.from({ length: 200 }, (_, i) => state.join(eventId, `c${i}`, defaults, now)),
    )
    assert.deepEqual(
      concurrent.map((r) => r.number).sort((a, b) => a - b),
      Array.from({ length: 200 }, (_, i) => i + 3),
    )
    const frontier = await state.frontier(eventId, now)
    assert.deepEqual(frontier, {
      ...defaults,
      epoch,
      servingNumber: 0,
      lastNumber: 202,
      active: 0,
      preQueue: null,
    })
    assert.ok((await state.trackedEvents()).includes(eventId))
  })

  test(`${name}: configure keeps defaults for what it does not change`, async (t) => {
    const { state, eventId } = await setup(t)
    await state.configure(eventId, { maxActive: 7 }, defaults)
    assert.deepEqual(await state.frontier(eventId, 0), {
      ...defaults,
      epoch: (await state.frontier(eventId, 0))?.epoch,
      maxActive: 7,
      servingNumber: 0,
      lastNumber: 0,
      active: 0,
      preQueue: null,
    })
    await state.configure(eventId, { state: 'paused', admissionRatePerSec: 3 }, defaults)
    const frontier = await state.frontier(eventId, 0)
    assert.equal(frontier?.state, 'paused')
    assert.equal(frontier?.admissionRatePerSec, 3)
    assert.equal(frontier?.maxActive, 7)
  })

  test(`${name}: FIFO at the admission rate, paused stops it without a burst after`, async (t) => {
    const { state, eventId } = await setup(t)
    let now = 1_800_000_000_000
    for (let i = 0; i < 100; i++) await state.join(eventId, `u${i}`, defaults, now)
    // First tick only starts the clock.
    assert.equal((await state.advance(eventId, now, tickOptions)).servingNumber, 0)
    const seen: number[] = []
    for (let i = 0; i < 20; i++) {
      now += 100
      const result = await state.advance(eventId, now, tickOptions)
      seen.push(result.servingNumber)
    }
    // 10 a second for 2 seconds.
    assert.equal(seen.at(-1), 20)
    for (let i = 1; i < seen.length; i++)
      assert.ok((seen[i] ?? 0) >= (seen[i - 1] ?? 0), 'serving never goes back')
    await state.configure(eventId, { state: 'paused' }, defaults)
    now += 60_000
    assert.equal((await state.advance(eventId, now, tickOptions)).servingNumber, 20)
    await state.touch(
      eventId,
      Array.from({ length: 100 }, (_, i) => i + 1),
      now,
    )
    await state.configure(eventId, { state: 'open' }, defaults)
    now += 100
    const resumed = await state.advance(eventId, now, tickOptions)
    assert.equal(resumed.servingNumber, 21, 'one tick of rate after resuming, not a minute of it')
  })

  test(`${name}: a long gap between ticks is capped`, async (t) => {
    const { state, eventId } = await setup(t)
    const now = 1_800_000_000_000
    for (let i = 0; i < 200; i++) await state.join(eventId, `u${i}`, defaults, now)
    await state.advance(eventId, now, tickOptions)
    // Everyone kept polling through the gap.
    await state.touch(
      eventId,
      Array.from({ length: 200 }, (_, i) => i + 1),
      now + 60_000,
    )
    const result = await state.advance(eventId, now + 60_000, tickOptions)
    assert.equal(result.servingNumber, 50, 'elapsed time is capped at maxElapsedMs (5 s at 10/s)')
  })

  test(`${name}: never more than maxActive unexpired admissions`, async (t) => {
    const { state, eventId } = await setup(t)
    let now = 1_800_000_000_000
    const settings = { ...defaults, admissionRatePerSec: 100, maxActive: 3 }
    for (let i = 0; i < 20; i++) await state.join(eventId, `u${i}`, settings, now)
    const { epoch } = await state.join(eventId, 'u0', settings, now)
    await state.advance(eventId, now, tickOptions)
    now += 1000
    assert.equal((await state.advance(eventId, now, tickOptions)).servingNumber, 3)
    assert.equal(await state.admit(eventId, 'a1', now + 10_000, now, epoch), now + 10_000)
    assert.equal(await state.admit(eventId, 'a2', now + 10_000, now, epoch), now + 10_000)
    assert.equal(await state.admit(eventId, 'a3', now + 20_000, now, epoch), now + 20_000)
    assert.equal(await state.admit(eventId, 'a4', now + 20_000, now, epoch), null)
    assert.equal((await state.frontier(eventId, now))?.active, 3)
    now += 1000
    assert.equal((await state.advance(eventId, now, tickOptions)).servingNumber, 3, 'full: no advance')
    await state.release(eventId, 'a1')
    now += 1000
    assert.equal((await state.advance(eventId, now, tickOptions)).servingNumber, 4)
    now = now - 2000 + 10_000
    assert.equal((await state.frontier(eventId, now))?.active, 1, 'a2 expired')
    assert.equal(await state.admit(eventId, 'a5', now + 10_000, now, epoch), now + 10_000)
  })

  test(`${name}: admitting the same id again is the same admission, not a second place`, async (t) => {
    const { state, eventId } = await setup(t)
    const now = 1_800_000_000_000
    const settings = { ...defaults, admissionRatePerSec: 100, maxActive: 2 }
    for (let i = 0; i < 5; i++) await state.join(eventId, `u${i}`, settings, now)
    const { epoch } = await state.join(eventId, 'u0', settings, now)
    assert.equal(await state.admit(eventId, 'n1', now + 10_000, now, epoch), now + 10_000)
    for (let i = 1; i <= 5; i++) {
      assert.equal(
        await state.admit(eventId, 'n1', now + 10_000 + i, now + i, epoch),
        now + 10_000,
        'same expiry',
      )
    }
    assert.equal((await state.frontier(eventId, now))?.active, 1)
    assert.equal(
      await state.admit(eventId, 'n2', now + 10_000, now, epoch),
      now + 10_000,
      'a second ticket still fits',
    )
    assert.equal(await state.admit(eventId, 'n3', now + 10_000, now, epoch), null)
    // Once expired, the id is a new admission.
    assert.equal(await state.admit(eventId, 'n1', now + 30_000, now + 20_000, epoch), now + 30_000)
  })

  test(`${name}: a ticket of another epoch is not admitted, and takes no place`, async (t) => {
    const { state, eventId } = await setup(t)
    const now = 1_800_000_000_000
    const { epoch } = await state.join(eventId, 'u1', defaults, now)
    assert.equal(await state.admit(eventId, 'n1', now + 10_000, now, epoch - 1), 'reset')
    assert.equal((await state.frontier(eventId, now))?.active, 0)
    assert.equal(await state.admit(eventId, 'n1', now + 10_000, now, epoch), now + 10_000)
  })

  test(`${name}: numbers whose holders stopped polling are skipped`, async (t) => {
    const { state, eventId } = await setup(t)
    let now = 1_800_000_000_000
    for (let i = 0; i < 10; i++) await state.join(eventId, `u${i}`, defaults, now)
    await state.configure(eventId, { state: 'paused' }, defaults)
    // Three grace periods later only 2, 5 and 9 have been polling.
    for (let i = 0; i < 3; i++) {
      now += graceMs
      await state.touch(eventId, [2, 5, 9], now)
    }
    await state.configure(eventId, { state: 'open' }, defaults)
    await state.advance(eventId, now, tickOptions)
    now += 300
    const result = await state.advance(eventId, now, tickOptions)
    assert.deepEqual(result, { servingNumber: 9, admitted: 3, skipped: 6 })
  })

  test(`${name}: the lease is held by one holder and renewable`, async (t) => {
    const { state } = await setup(t)
    const holder = randomUUID()
    assert.equal(await state.acquireLease(holder, 2000), true)
    assert.equal(await state.acquireLease(holder, 2000), true)
  })

  test(`${name}: the pre-queue is sealed once, at its size then, and counts as polling for a grace period`, async (t) => {
    const { state, eventId } = await setup(t)
    let now = 1_800_000_000_000
    for (let i = 0; i < 20; i++) await state.join(eventId, `early${i}`, defaults, now)
    // Long after the joins: their join-time liveness has lapsed.
    now += graceMs * 3
    const seal = await state.sealPreQueue(eventId, 'seed-1', now)
    assert.deepEqual(seal, { seed: 'seed-1', size: 20 })
    await state.join(eventId, 'late', defaults, now)
    assert.deepEqual(await state.sealPreQueue(eventId, 'seed-2', now), seal)
    assert.deepEqual((await state.frontier(eventId, now))?.preQueue, seal)
    // Every place in the sealed pre-queue is called, none skipped as abandoned.
    await state.advance(eventId, now, tickOptions)
    const result = await state.advance(eventId, now + 3000, tickOptions)
    assert.equal(result.servingNumber, 21)
    assert.equal(result.skipped, 0)
  })
}
