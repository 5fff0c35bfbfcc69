import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import { signWebhook, verifyWebhookSignature } from './webhook.signatures.ts'

const key = new Uint8Array(32).fill(7)
const other = new Uint8Array(32).fill(8)
const body = '{"id":"evt_1"}'
const refused = (work: () => void) =>
  assert.throws(work, (error) => error instanceof AppError && error.code === 'BW_WEBHOOK_SIGNATURE')

test('webhook signatures: ours pass; missing, forged, tampered and stale ones are refused', () => {
  const now = 1_800_000_000_000
  const signature = signWebhook(key, body, now)
  verifyWebhookSignature(key, body, signature, 300, now)
  refused(() => verifyWebhookSignature(key, body, undefined, 300, now))
  refused(() => verifyWebhookSignature(key, body, 'garbage', 300, now))
  refused(() => verifyWebhookSignature(other, body, signature, 300, now))
  refused(() => verifyWebhookSignature(key, `${body} `, signature, 300, now))
  refused(() => verifyWebhookSignature(key, body, signature, 300, now + 301_000))
})
