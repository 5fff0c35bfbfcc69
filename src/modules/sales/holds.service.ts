import { randomUUID } from 'node:crypto'
import type { SalesConfig } from '../../config.ts'
import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { AdmissionTokens } from '../../platform/security/admission.tokens.ts'
import type { EventsService } from '../events/events.service.ts'
import type { HoldRecord, HoldsRepository, SeatRecord } from './holds.repository.ts'
import type { SalesMetrics } from './sales.metrics.ts'

type EventView = Awaited<ReturnType<EventsService['get']>>

import type { CreateHoldInput, HoldView } from './sales.schemas.ts'

/** Reserving stock for a user for a limited time: never more than there is, never over the limit. */
export class HoldsService {
  /**
   * Events read in the last second. A rush reads the same event for every hold; the cached copy
   * only ever answers "no" early (sold out, not open); "yes" is decided by the guarded update.
   */
  private readonly eventCache = new Map<string, { at: number; event: EventView }>()

  constructor(
    private readonly repository: HoldsRepository,
    private readonly events: Pick<EventsService, 'get'>,
    private readonly admissionTokens: Pick<AdmissionTokens, 'verify'>,
    private readonly config: Pick<SalesConfig, 'holdTtlSeconds' | 'disabledGuards'>,
    private readonly metrics: SalesMetrics,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async seats(eventId: string): Promise<SeatRecord[]> {
    const event = await this.events.get(eventId)
    if (event.kind !== 'seated') return []
    await this.repository.ensureSeats(eventId)
    return this.repository.listSeats(eventId)
  }

  async create(
    eventId: string,
    userId: string,
    input: CreateHoldInput,
    admissionToken: string | undefined,
  ): Promise<HoldView> {
    const event = await this.cachedEvent(eventId)
    let admissionId: string | null = null
    if (event.queue.enabled) {
      if (!admissionToken) throw new AppError('BW_ADMISSION_REQUIRED')
      admissionId = (await this.admissionTokens.verify(admissionToken, { eventId, userId })).id
    }
    if (Date.parse(event.salesOpenAt) > this.now()) throw new AppError('BW_SALES_NOT_OPEN')
    const seatIds = 'seatIds' in input ? input.seatIds : null
    if (seatIds && event.kind !== 'seated')
      throw validation('seatIds', 'this event has general admission; ask for a quantity')
    if (!seatIds && event.kind === 'seated')
      throw validation('quantity', 'this event is seated; name the seatIds')
    const quantity = seatIds ? seatIds.length : (input as { quantity: number }).quantity
    if (quantity > event.perUserLimit)
      throw new AppError(
        'BW_LIMIT_EXCEEDED',
        `At most ${event.perUserLimit} tickets per person for this event`,
      )
    if (seatIds) await this.repository.ensureSeats(eventId)

    const newHold = {
      id: randomUUID(),
      eventId,
      userId,
      quantity,
      seatIds: seatIds ? [...seatIds].sort() : null,
      perUserLimit: event.perUserLimit,
      unitPriceCents: event.priceCents,
      currency: event.currency,
      admissionId,
      ttlSeconds: this.config.holdTtlSeconds,
    }
    const guarded = !this.config.disabledGuards.has('inventory')
    try {
      // The read above is a fair "sold out" answer and spares the event row's lock queue;
      // the lazy expiry below still gets its chance. Never a "yes": only the guarded update says yes.
      if (guarded && event.remaining < quantity) throw new AppError('BW_SOLD_OUT')
      const hold = await this.repository.createHold(newHold, guarded)
      this.metrics.holds.inc({ outcome: 'created' })
      return toView(hold)
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'BW_SOLD_OUT') {
        if (error instanceof AppError && error.code === 'BW_LIMIT_EXCEEDED')
          this.metrics.holds.inc({ outcome: 'limit' })
        throw error
      }
      // Lazy expiry: stock may only look sold out because the sweeper has not run yet.
      const { holds } = (await this.repository.hasDue(eventId))
        ? await this.repository.expireDue(1000, eventId)
        : { holds: 0 }
      this.eventCache.delete(eventId)
      if (holds === 0) {
        this.metrics.holds.inc({ outcome: 'sold_out' })
        throw error
      }
      this.metrics.holds.inc({ outcome: 'expired' }, holds)
      const hold = await this.repository.createHold(newHold, guarded)
      this.metrics.holds.inc({ outcome: 'created' })
      return toView(hold)
    }
  }

  private async cachedEvent(eventId: string): Promise<EventView> {
    const now = this.now()
    const cached = this.eventCache.get(eventId)
    if (cached && now - cached.at < 1000) return cached.event
    const event = await this.events.get(eventId)
    // Bounded: start afresh rather than grow without limit.
    if (this.eventCache.size >= 1000) this.eventCache.clear()
    this.eventCache.set(eventId, { at: now, event })
    return event
  }

  async release(holdId: string, userId: string): Promise<void> {
    const released = await this.repository.release(holdId, userId)
    if (released) {
      this.metrics.holds.inc({ outcome: 'released' })
      return
    }
    const hold = await this.repository.findHold(holdId)
    if (!hold || hold.userId !== userId) throw new AppError('BW_HOLD_NOT_FOUND')
    if (hold.state === 'ordered' || hold.state === 'sold') throw new AppError('BW_HOLD_USED')
    throw new AppError('BW_HOLD_EXPIRED')
  }

  /** One sweep of holds past their time; returns how many it expired. */
  async sweep(limit = 1000): Promise<number> {
    const { holds, orders } = await this.repository.expireDue(limit)
    if (holds > 0) this.metrics.holds.inc({ outcome: 'expired' }, holds)
    if (orders > 0) this.metrics.orders.inc({ status: 'expired' }, orders)
    return holds
  }
}

function validation(field: string, message: string): AppError {
  return new AppError('BW_VALIDATION', `${field}: ${message}`, { errors: [{ field, in: 'body', message }] })
}

function toView(hold: HoldRecord): HoldView {
  return {
    holdId: hold.id,
    eventId: hold.eventId,
    quantity: hold.quantity,
    seatIds: hold.seatIds ?? [],
    expiresAt: hold.expiresAt.toISOString(),
  }
}
