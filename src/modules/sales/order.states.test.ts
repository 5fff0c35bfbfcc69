import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canTransition, sourcesOf } from './order.states.ts'

test('orders move only along the state machine', () => {
  assert.ok(canTransition('pending_payment', 'paid'))
  assert.ok(canTransition('expired', 'refunded'))
  assert.ok(!canTransition('paid', 'pending_payment'))
  assert.ok(!canTransition('payment_failed', 'paid'))
  assert.ok(!canTransition('refunded', 'paid'))
  assert.deepEqual(sourcesOf('paid'), ['pending_payment'])
  assert.deepEqual(sourcesOf('refunded').sort(), ['expired', 'paid'])
})
