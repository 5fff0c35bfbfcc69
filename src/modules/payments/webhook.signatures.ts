import { createHmac, timingSafeEqual } from 'node:crypto'
import { AppError } from '../../platform/http/errors.catalogue.ts'

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as the simulator and common providers sign. */
export function signWebhook(key: Uint8Array, body: string, nowMs = Date.now()): string {
  const t = Math.floor(nowMs / 1000)
  return `t=${t},v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`
}

/** Throws unless the signature is ours and fresh, so a captured webhook cannot be replayed later. */
export function verifyWebhookSignature(
  key: Uint8Array,
  body: string,
  header: string | undefined,
  toleranceSeconds = 300,
  nowMs = Date.now(),
): void {
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.split('=', 2)))
  const t = Number(parts.t)
  const given = String(parts.v1 ?? '')
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(given))
    throw new AppError('BW_WEBHOOK_SIGNATURE', 'Send X-Breakwater-Signature: t=<seconds>,v1=<hex hmac>')
  if (Math.abs(nowMs / 1000 - t) > toleranceSeconds)
    throw new AppError('BW_WEBHOOK_SIGNATURE', 'The webhook signature is too old')
  const expected = createHmac('sha256', key).update(`${t}.${body}`).digest()
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) throw new AppError('BW_WEBHOOK_SIGNATURE')
}
