import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { mutate } from '../../../test/support/token.mutations.ts'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import { AdmissionTokens } from '../../platform/security/admission.tokens.ts'
import { deriveKey } from '../../platform/security/secrets.store.ts'
import { type TicketRefusal, TicketTokens } from './ticket.tokens.ts'

const secret = 'a-test-secret-of-at-least-32-characters'
const eventId = randomUUID()
const userId = randomUUID()

function tokens(now = () => 1_800_000_000_000) {
  const refusals: TicketRefusal[] = []
  const tickets = new TicketTokens(deriveKey(secret, 'queue-ticket'), 3600, now, (r) => refusals.push(r))
  return { tickets, refusals }
}

test('a ticket round-trips and binds event and user', () => {
  const { tickets, refusals } = tokens()
  const ticket = { eventId, number: 42, userId, issuedAt: 1_800_000_000, epoch: 3 }
  const token = tickets.sign(ticket)
  assert.ok(token.length < 200, `compact: ${token.length} characters`)
  assert.deepEqual(tickets.verify(token, { eventId, userId }), ticket)
  assert.deepEqual(tickets.verify(token, { eventId }), ticket)
  assert.throws(() => tickets.verify(token, { eventId: randomUUID() }), {
    code: 'BW_TICKET_FOREIGN',
    status: 403,
  })
  assert.throws(() => tickets.verify(token, { eventId, userId: randomUUID() }), {
    code: 'BW_TICKET_FOREIGN',
  })
  assert.throws(() => tickets.verify(undefined, { eventId }), { code: 'BW_TICKET_INVALID', status: 401 })
  assert.deepEqual(refusals, ['foreign', 'foreign', 'malformed'])
})

test('an expired ticket, or one signed with another key, is refused', () => {
  const { tickets } = tokens(() => 1_800_000_000_000 + 3601_000)
  const token = tickets.sign({ eventId, number: 1, userId, issuedAt: 1_800_000_000, epoch: 3 })
  assert.throws(() => tickets.verify(token, { eventId }), /expired/)
  const other = new TicketTokens(deriveKey(`${secret}!`, 'queue-ticket'), 3600)
  const forged = other.sign({ eventId, number: 1, userId, issuedAt: Math.floor(Date.now() / 1000), epoch: 3 })
  assert.throws(() => tokens().tickets.verify(forged, { eventId }), { code: 'BW_TICKET_INVALID' })
})

test('a ticket of an older epoch than the line now has is answered "join again"', () => {
  const { tickets, refusals } = tokens()
  const ticket = { eventId, number: 5, userId, issuedAt: 1_800_000_000, epoch: 3 }
  const token = tickets.sign(ticket)
  assert.deepEqual(tickets.verify(token, { eventId, epoch: 3 }), ticket)
  // A process whose copy of the line lags behind the ticket's epoch does not refuse it.
  assert.deepEqual(tickets.verify(token, { eventId, epoch: 2 }), ticket)
  assert.deepEqual(tickets.verify(token, { eventId, epoch: undefined }), ticket)
  assert.throws(() => tickets.verify(token, { eventId, userId, epoch: 4 }), {
    code: 'BW_TICKET_RESET',
    status: 401,
  })
  assert.deepEqual(refusals, ['reset'])
})

test('10,000 mutated tickets are all refused', () => {
  const { tickets, refusals } = tokens()
  const token = tickets.sign({ eventId, number: 7, userId, issuedAt: 1_800_000_000, epoch: 3 })
  const other = tickets.sign({
    eventId: randomUUID(),
    number: 1,
    userId: randomUUID(),
    issuedAt: 1_800_000_000,
    epoch: 3,
  })
  let refused = 0
  for (let i = 0; i < 10_000; i++) {
    const mutated = mutate(token, other)
    try {
      tickets.verify(mutated, { eventId, userId })
      assert.fail(`accepted a mutated ticket: ${mutated}`)
    } catch (error) {
      assert.ok(error instanceof AppError, String(error))
      assert.ok([401, 403].includes(error.status))
      refused += 1
    }
  }
  assert.equal(refused, 10_000)
  for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
    const variant = token.slice(0, -1) + char
    if (variant !== token)
      assert.throws(() => tickets.verify(variant, { eventId }), { code: 'BW_TICKET_INVALID' })
  }
  assert.equal(refusals.length, 10_000 + 63, 'every refusal is counted')
})

test('10,000 mutated admission tokens are all refused', async () => {
  const admissions = new AdmissionTokens(deriveKey(secret, 'admission-token'))
  const { token } = await admissions.sign({ eventId, userId, ttlSeconds: 600 })
  const { token: other } = await admissions.sign({ eventId: randomUUID(), userId, ttlSeconds: 600 })
  assert.equal((await admissions.verify(token, { eventId, userId })).userId, userId)
  const accepted: string[] = []
  // The last character of a signature carries spare bits: every other spelling must fail too.
  for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
    const variant = token.slice(0, -1) + char
    if (variant === token) continue
    await admissions.verify(variant, { eventId, userId }).then(
      () => accepted.push(variant),
      () => {},
    )
  }
  for (let i = 0; i < 10_000; i++) {
    const mutated = mutate(token, other)
    try {
      await admissions.verify(mutated, { eventId, userId })
      accepted.push(mutated)
    } catch (error) {
      assert.ok(error instanceof AppError, String(error))
      assert.ok([401, 403].includes(error.status))
    }
  }
  assert.deepEqual(accepted, [])
})
