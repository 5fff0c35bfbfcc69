import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import { refusalHeaders } from '../../platform/http/request.gate.ts'
import { LoginThrottle, loginLimits } from './login.throttle.ts'

function refused(attempt: () => unknown): AppError {
  try {
    attempt()
  } catch (error) {
    assert.ok(error instanceof AppError)
    return error
  }
  assert.fail('the attempt was allowed')
}

test('from one address: 5 wrong passwords at once, then one a minute', () => {
  let now = 0
  const throttle = new LoginThrottle(() => now)
  for (let i = 0; i < loginLimits.accountFromAddress.burst; i++)
    throttle.attempt('fan@example.com', '198.51.100.1')
  const error = refused(() => throttle.attempt('FAN@example.com', '198.51.100.1'))
  assert.equal(error.code, 'BW_RATE_LIMITED')
  assert.equal(error.extensions.retryAfterSeconds, 60)
  assert.equal(refusalHeaders(error)?.['ratelimit-limit'], '5')
  // The same account from another address, and another account from this one, are not held back.
  throttle.attempt('fan@example.com', '198.51.100.2')
  throttle.attempt('other@example.com', '198.51.100.1')
  now += 60_000
  throttle.attempt('fan@example.com', '198.51.100.1')
  refused(() => throttle.attempt('fan@example.com', '198.51.100.1'))
})

test('from every address together: 20 at once, then one every 5 minutes', () => {
  let now = 0
  const throttle = new LoginThrottle(() => now)
  for (let i = 0; i < loginLimits.account.burst; i++) throttle.attempt('fan@example.com', `198.51.100.${i}`)
  // Refused by the account's limit, again and again from one new address: those refusals cost the
  // address nothing, so it is still the account's limit (5 minutes) that answers, never the address's.
  for (let i = 0; i < 10; i++) {
    const error = refused(() => throttle.attempt('fan@example.com', '203.0.113.9'))
    assert.equal(error.extensions.retryAfterSeconds, 300)
    assert.equal(refusalHeaders(error)?.['ratelimit-limit'], '20')
  }
  now += 300_000
  throttle.attempt('fan@example.com', '203.0.113.9')
  refused(() => throttle.attempt('fan@example.com', '203.0.113.10'))
})

test('an attempt refunded (a right password) does not count', () => {
  const throttle = new LoginThrottle(() => 0)
  for (let i = 0; i < 50; i++) throttle.attempt('fan@example.com', '198.51.100.1')()
  for (let i = 0; i < loginLimits.accountFromAddress.burst; i++)
    throttle.attempt('fan@example.com', '198.51.100.1')
  refused(() => throttle.attempt('fan@example.com', '198.51.100.1'))
})
