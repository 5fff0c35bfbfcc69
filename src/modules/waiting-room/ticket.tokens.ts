import { createHmac, timingSafeEqual } from 'node:crypto'
import { AppError } from '../../platform/http/errors.catalogue.ts'

/** What a queue ticket proves: this user holds this number in this event's line. */
export interface Ticket {
  eventId: string
  number: number
  userId: string
  /** Seconds since the epoch. */
  issuedAt: number
  /** The epoch of the queue state the number was handed out in (see `Frontier.epoch`). */
  epoch: number
}

const version = 'q2'
const macBytes = 32
/** Longer than any ticket we sign; anything longer is refused before any work is done. */
const maxLength = 400
const field = /^[A-Za-z0-9-]{1,64}$/

export type TicketRefusal = 'malformed' | 'signature' | 'expired' | 'foreign' | 'reset'

/**
 * Signed queue tickets: `q2.<payload>.<mac>`, the payload being `event|number|user|issued|epoch`
 * in base64url and the mac HMAC-SHA256 over `q2.<payload>`. Verified in microseconds, with no lookup.
 */
export class TicketTokens {
  constructor(
    private readonly key: Uint8Array,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    /** Called with the reason of every refusal, so that refusals can be counted. */
    private readonly onRefused: (reason: TicketRefusal) => void = () => {},
  ) {}

  sign(ticket: Ticket): string {
    const payload = Buffer.from(
      `${ticket.eventId}|${ticket.number}|${ticket.userId}|${ticket.issuedAt}|${ticket.epoch}`,
      'utf8',
    ).toString('base64url')
    return `${version}.${payload}.${this.mac(`${version}.${payload}`).toString('base64url')}`
  }

  /**
   * The ticket, if it is genuine, unexpired, for this event and (when given) this user, and of
   * the current epoch when it is known: a ticket of an older one holds a number of a line that was
   * lost and started again, and its holder is told to join again.
   */
  verify(
    token: string | undefined,
    expected: { eventId: string; userId?: string; epoch?: number | undefined },
  ): Ticket {
    const ticket = this.decode(token)
    if (
      ticket.eventId !== expected.eventId ||
      (expected.userId !== undefined && ticket.userId !== expected.userId)
    ) {
      this.onRefused('foreign')
      throw new AppError('BW_TICKET_FOREIGN')
    }
    if (expected.epoch !== undefined && ticket.epoch < expected.epoch) throw this.reset()
    return ticket
  }

  /** The answer to a genuine ticket of a line that no longer exists. */
  reset(): AppError {
    this.onRefused('reset')
    return new AppError('BW_TICKET_RESET')
  }

  private decode(token: string | undefined): Ticket {
    if (typeof token !== 'string' || token.length > maxLength) return this.refuse('malformed')
    const [prefix, payload, mac, ...rest] = token.split('.')
    if (prefix !== version || !payload || !mac || rest.length > 0) return this.refuse('malformed')
    const given = Buffer.from(mac, 'base64url')
    // Compare in constant time, and only buffers of equal length (timingSafeEqual throws otherwise).
    // Only the canonical encoding passes: base64url's spare bits would let one MAC be spelt two ways.
    if (
      given.length !== macBytes ||
      given.toString('base64url') !== mac ||
      !timingSafeEqual(given, this.mac(`${version}.${payload}`))
    )
      return this.refuse('signature')
    // Only our own signed text gets this far, but check it as if it were not.
    const parts = Buffer.from(payload, 'base64url').toString('utf8').split('|')
    const [eventId, number, userId, issuedAt, epoch] = parts
    if (
      parts.length !== 5 ||
      !eventId ||
      !userId ||
      !field.test(eventId) ||
      !field.test(userId) ||
      !/^[1-9][0-9]{0,14}$/.test(number ?? '') ||
      !/^[0-9]{1,12}$/.test(issuedAt ?? '') ||
      !/^[0-9]{1,15}$/.test(epoch ?? '')
    )
      return this.refuse('malformed')
    const ticket = {
      eventId,
      number: Number(number),
      userId,
      issuedAt: Number(issuedAt),
      epoch: Number(epoch),
    }
    if (ticket.issuedAt + this.ttlSeconds < this.now() / 1000) return this.refuse('expired')
    return ticket
  }

  private refuse(reason: Exclude<TicketRefusal, 'foreign' | 'reset'>): never {
    this.onRefused(reason)
    throw new AppError(
      'BW_TICKET_INVALID',
      reason === 'expired' ? 'The queue ticket has expired; join again' : 'The queue ticket is invalid',
    )
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.key).update(text).digest()
  }
}
