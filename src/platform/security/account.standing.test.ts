import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Principal } from './access.tokens.ts'
import { AccountStandings, type Standing } from './account.standing.ts'

/** A source over a map the test edits, as another replica's writes would, counting its reads. */
function setup(ttlMs = 1000, maxEntries = 100) {
  const rows = new Map<string, Standing>([['a', { tokenVersion: 0, role: 'admin' }]])
  let now = 0
  const reads: string[] = []
  const standings = new AccountStandings({ ttlMs, maxEntries }, () => now)
  standings.readFrom(async (id) => {
    reads.push(id)
    return rows.get(id)
  })
  return {
    rows,
    reads,
    standings,
    later: (ms: number) => {
      now += ms
    },
  }
}

const admin = (tokenVersion: number): Principal => ({ id: 'a', role: 'admin', guest: false, tokenVersion })

async function refusal(promise: Promise<void>): Promise<string | undefined> {
  try {
    await promise
    return undefined
  } catch (error) {
    return (error as { code?: string }).code
  }
}

test('a guest is never looked up; an account is read once per TTL', async () => {
  const { standings, reads, later } = setup()
  await standings.confirm({ id: 'g', role: 'customer', guest: true })
  assert.deepEqual(reads, [])
  await standings.confirm(admin(0))
  await standings.confirm(admin(0))
  assert.deepEqual(reads, ['a'])
  later(1001)
  await standings.confirm(admin(0))
  assert.deepEqual(reads, ['a', 'a'])
})

test('a change recorded here is refused at once; one made elsewhere once the TTL has passed', async () => {
  const { standings, rows, later } = setup()
  await standings.confirm(admin(0))
  standings.record('a', { tokenVersion: 1, role: 'customer' })
  assert.equal(await refusal(standings.confirm(admin(0))), 'BW_TOKEN_INVALID')

  // Another replica deletes the account: this one still holds version 1 until its entry expires.
  rows.delete('a')
  const current: Principal = { id: 'a', role: 'customer', guest: false, tokenVersion: 1 }
  await standings.confirm(current)
  later(1001)
  assert.equal(await refusal(standings.confirm(current)), 'BW_TOKEN_INVALID')
})

test('a token newer than the entry makes it read again rather than refuse a fresh sign-in', async () => {
  const { standings, rows, reads } = setup()
  await standings.confirm(admin(0))
  rows.set('a', { tokenVersion: 3, role: 'admin' })
  await standings.confirm(admin(3))
  assert.deepEqual(reads, ['a', 'a'])
  assert.equal(await refusal(standings.confirm(admin(0))), 'BW_TOKEN_INVALID')
  // A forged-looking future version is read once and refused.
  assert.equal(await refusal(standings.confirm(admin(9))), 'BW_TOKEN_INVALID')
})

test('a read under way while a change is recorded cannot bring the old standing back', async () => {
  const standings = new AccountStandings({ ttlMs: 1000, maxEntries: 100 }, () => 0)
  let answer: (standing: Standing) => void = () => {}
  standings.readFrom(() => new Promise((resolve) => (answer = resolve)))
  const first = standings.confirm(admin(0))
  standings.record('a', null)
  answer({ tokenVersion: 0, role: 'admin' })
  assert.equal(await refusal(first), 'BW_TOKEN_INVALID')
  assert.equal(await refusal(standings.confirm(admin(0))), 'BW_TOKEN_INVALID')
})

test('concurrent checks of one account share one read; the entries are bounded', async () => {
  const { standings, rows, reads } = setup(1000, 2)
  await Promise.all([standings.confirm(admin(0)), standings.confirm(admin(0)), standings.confirm(admin(0))])
  assert.deepEqual(reads, ['a'])
  for (const id of ['b', 'c']) {
    rows.set(id, { tokenVersion: 0, role: 'customer' })
    await standings.confirm({ id, role: 'customer', guest: false, tokenVersion: 0 })
  }
  // 'a' was read longest ago and made room for 'c'.
  await standings.confirm(admin(0))
  assert.deepEqual(reads, ['a', 'b', 'c', 'a'])
})
