import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError } from '../http/errors.catalogue.ts'
import { hitOfRefusal, redactedArgs, redactedHeaders } from './security.log.ts'

test('query values of tickets, tokens and passwords are redacted, the rest kept as sent', () => {
  assert.equal(
    redactedArgs('q=shoes&ticket=abc.def&Token=x&page=2'),
    'q=shoes&ticket=[redacted]&Token=[redacted]&page=2',
  )
  assert.equal(redactedArgs('%74oken=secret'), '%74oken=[redacted]')
  assert.equal(redactedArgs(''), '')
})

test('headers are allow-listed; secret ones are kept by name only', () => {
  const headers = redactedHeaders({
    authorization: 'Bearer x',
    cookie: 'a=b',
    'x-queue-pow': 'solution',
    'user-agent': 'phone',
    'x-something-else': 'dropped',
  })
  assert.deepEqual(headers, [
    { name: 'authorization', value: '[redacted]' },
    { name: 'cookie', value: '[redacted]' },
    { name: 'x-queue-pow', value: '[redacted]' },
    { name: 'user-agent', value: 'phone' },
  ])
})

test('a stage that failed (5xx) is no refusal; an error without a code neither', () => {
  assert.equal(hitOfRefusal(new AppError('BW_INTERNAL'), 'rate-limit'), null)
  assert.equal(hitOfRefusal(new Error('boom'), 'rate-limit'), null)
  assert.equal(
    hitOfRefusal(new AppError('BW_POW_INVALID', undefined, { reason: 'wrong' }), 'x')?.ruleId,
    'proof-of-work:wrong',
  )
})
