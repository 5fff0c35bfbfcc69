import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { Registry } from 'prom-client'
import { DependencyUnavailableError } from '../../platform/http/errors.catalogue.ts'
import { PaymentSimulator } from '../payments/payments.simulator.ts'
import type { OrderRecord, OrdersRepository } from './orders.repository.ts'
import { OrdersService } from './orders.service.ts'
import { SalesMetrics } from './sales.metrics.ts'

function pendingOrder(): OrderRecord {
  const now = new Date()
  return {
    id: randomUUID(),
    userId: randomUUID(),
    eventId: randomUUID(),
    holdId: randomUUID(),
    quantity: 1,
    amountCents: 100,
    currency: 'EUR',
    status: 'pending_payment',
    paymentRef: null,
    failureReason: null,
    createdAt: now,
    updatedAt: now,
  }
}

/**
 * An order whose settling meets `outages` database failures first (a pool with no free client, a
 * restart), with the repository's other steps answering at once.
 */
function checkout(outages: number, retries: number) {
  const order = pendingOrder()
  const calls = { settle: 0, finishKey: 0 }
  const busy = () =>
    new DependencyUnavailableError('database', new Error('timeout exceeded when trying to connect'))
  const repository = {
    begin: async () => ({ kind: 'created', order }),
    applySuccess: async (orderId: string, reference: string) => {
      calls.settle++
      if (calls.settle <= outages) throw busy()
      return { outcome: 'paid', order: { ...order, id: orderId, status: 'paid', paymentRef: reference } }
    },
    applyFailure: async (orderId: string, reason: string) => {
      calls.settle++
      if (calls.settle <= outages) throw busy()
      return {
        outcome: 'failed',
        order: { ...order, id: orderId, status: 'payment_failed', failureReason: reason },
      }
    },
    finishKey: async () => {
      calls.finishKey++
    },
  } as unknown as OrdersRepository
  const payments = new PaymentSimulator(new Uint8Array(32), 10)
  const service = new OrdersService(
    repository,
    payments,
    { idempotencyKeyTtlSeconds: 60, disabledGuards: new Set() },
    new SalesMetrics(new Registry()),
    { release: async () => {} },
    { warn: () => {} },
    { retries, minTimeoutMs: 1 },
  )
  const create = (paymentToken: string) =>
    service.create(order.userId, randomUUID(), { holdId: order.holdId, paymentToken })
  return { create, calls, payments }
}

test('a captured payment is recorded even when the database is busy for a moment', async () => {
  const { create, calls, payments } = checkout(2, 5)
  const response = await create('tok_approved')
  assert.equal(response.body.status, 'paid')
  assert.equal(calls.settle, 3)
  assert.equal(calls.finishKey, 1)
  assert.equal(payments.ledger.filter((entry) => entry.kind === 'capture').length, 1)
})

test('a declined payment returns its stock even when the database is busy for a moment', async () => {
  const { create, calls } = checkout(1, 5)
  const response = await create('tok_declined')
  assert.equal(response.body.status, 'payment_failed')
  assert.equal(calls.settle, 2)
})

test('settling gives up after its retries and answers 503; without retries the first failure is final', async () => {
  const bounded = checkout(10, 3)
  await assert.rejects(bounded.create('tok_approved'), DependencyUnavailableError)
  assert.equal(bounded.calls.settle, 4)
  assert.equal(bounded.calls.finishKey, 0)
  // With the retries switched off, the same moment's outage leaves the captured order unrecorded.
  const unguarded = checkout(1, 0)
  await assert.rejects(unguarded.create('tok_approved'), DependencyUnavailableError)
  assert.equal(unguarded.calls.settle, 1)
})
