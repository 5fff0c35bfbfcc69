import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { EventsRepository, Executor } from './events.repository.ts'
import type { CreateEventInput, EventView } from './events.schemas.ts'
import type { EventRow, PowMode, RoomState, SeatMap } from './events.tables.ts'

export const queueDefaults = { admissionRatePerSec: 100, maxActive: 1000 }

/**
 * What events need of the sales engine's stock: a row opened with each event, in the same
 * transaction, and what is left of each. Events never write stock themselves.
 */
export interface EventStock {
  open(tx: Executor, eventId: string, capacity: number): Promise<void>
  remainingOf(eventIds: readonly string[]): Promise<Map<string, number>>
}

/** Creating, listing and reading events. */
export class EventsService {
  constructor(
    private readonly repository: EventsRepository,
    private readonly stock: EventStock,
  ) {}

  async create(input: CreateEventInput): Promise<EventView> {
    if ((input.capacity === undefined) === (input.seatMap === undefined)) {
      throw new AppError(
        'BW_VALIDATION',
        'Give either capacity (general admission) or seatMap (seated), not both',
        {
          errors: [
            { field: 'capacity', in: 'body', message: 'exactly one of capacity and seatMap is required' },
          ],
        },
      )
    }
    const capacity = input.seatMap ? seatCount(input.seatMap) : (input.capacity as number)
    const row = await this.repository.insert(
      {
        name: input.name.trim(),
        description: input.description ?? null,
        salesOpenAt: new Date(input.salesOpenAt),
        capacity,
        seatMap: input.seatMap ?? null,
        priceCents: input.priceCents,
        currency: input.currency,
        perUserLimit: input.perUserLimit ?? 4,
        queueEnabled: input.queue?.enabled ?? true,
        admissionRatePerSec: input.queue?.admissionRatePerSec ?? queueDefaults.admissionRatePerSec,
        maxActive: input.queue?.maxActive ?? queueDefaults.maxActive,
        shuffleAtOpen: input.queue?.shuffleAtOpen ?? false,
        queuePow: input.queue?.pow ?? 'auto',
      },
      (tx, created) => this.stock.open(tx, created.id, created.capacity),
    )
    return toView(row, row.capacity)
  }

  async get(id: string): Promise<EventView> {
    const [row, remaining] = await Promise.all([this.repository.findById(id), this.remaining(id)])
    if (!row) throw new AppError('BW_EVENT_NOT_FOUND')
    return toView(row, remaining ?? 0)
  }

  /** Units neither sold nor held, read fresh; undefined when there is no such event. */
  async remaining(id: string): Promise<number | undefined> {
    return (await this.stock.remainingOf([id])).get(id)
  }

  /** Changes the waiting-room settings (the waiting room pushes them to its shared state). */
  async updateQueue(
    id: string,
    changes: { state?: RoomState; admissionRatePerSec?: number; maxActive?: number; pow?: PowMode },
  ): Promise<EventView> {
    const row = await this.repository.updateQueue(id, {
      queueState: changes.state,
      admissionRatePerSec: changes.admissionRatePerSec,
      maxActive: changes.maxActive,
      queuePow: changes.pow,
    })
    if (!row) throw new AppError('BW_EVENT_NOT_FOUND')
    return toView(row, (await this.remaining(id)) ?? 0)
  }

  async list(limit = 50, offset = 0): Promise<EventView[]> {
    const rows = await this.repository.list(limit, offset)
    const remaining = await this.stock.remainingOf(rows.map((row) => row.id))
    return rows.map((row) => toView(row, remaining.get(row.id) ?? 0))
  }

  count(): Promise<number> {
    return this.repository.count()
  }
}

export function seatCount(seatMap: SeatMap): number {
  return seatMap.sections.reduce((sum, section) => sum + section.rows.reduce((s, row) => s + row.seats, 0), 0)
}

function toView(row: EventRow, remaining: number): EventView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    salesOpenAt: row.salesOpenAt.toISOString(),
    kind: row.seatMap ? 'seated' : 'general',
    capacity: row.capacity,
    remaining,
    seatMap: row.seatMap,
    priceCents: row.priceCents,
    currency: row.currency,
    perUserLimit: row.perUserLimit,
    queue: {
      enabled: row.queueEnabled,
      state: row.queueState,
      admissionRatePerSec: row.admissionRatePerSec,
      maxActive: row.maxActive,
      shuffleAtOpen: row.shuffleAtOpen,
      pow: row.queuePow,
    },
    createdAt: row.createdAt.toISOString(),
  }
}
