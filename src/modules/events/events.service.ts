import { AppError } from '../../platform/http/errors.catalogue.ts'
import type { EventsRepository } from './events.repository.ts'
import type { CreateEventInput, EventView } from './events.schemas.ts'
import type { EventRow, RoomState, SeatMap } from './events.tables.ts'

export const queueDefaults = { admissionRatePerSec: 100, maxActive: 1000 }

/** Creating, listing and reading events. */
export class EventsService {
  constructor(private readonly repository: EventsRepository) {}

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
    const row = await this.repository.insert({
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
    })
    return toView(row)
  }

  async get(id: string): Promise<EventView> {
    const row = await this.repository.findById(id)
    if (!row) throw new AppError('BW_EVENT_NOT_FOUND')
    return toView(row)
  }

  /** Units neither sold nor held, read fresh; undefined when there is no such event. */
  remaining(id: string): Promise<number | undefined> {
    return this.repository.remaining(id)
  }

  /** Changes the waiting-room settings (the waiting room pushes them to its shared state). */
  async updateQueue(
    id: string,
    changes: { state?: RoomState; admissionRatePerSec?: number; maxActive?: number },
  ): Promise<EventView> {
    const row = await this.repository.updateQueue(id, {
      queueState: changes.state,
      admissionRatePerSec: changes.admissionRatePerSec,
      maxActive: changes.maxActive,
    })
    if (!row) throw new AppError('BW_EVENT_NOT_FOUND')
    return toView(row)
  }

  async list(limit = 50, offset = 0): Promise<EventView[]> {
    return (await this.repository.list(limit, offset)).map(toView)
  }

  count(): Promise<number> {
    return this.repository.count()
  }
}

export function seatCount(seatMap: SeatMap): number {
  return seatMap.sections.reduce((sum, section) => sum + section.rows.reduce((s, row) => s + row.seats, 0), 0)
}

function toView(row: EventRow): EventView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    salesOpenAt: row.salesOpenAt.toISOString(),
    kind: row.seatMap ? 'seated' : 'general',
    capacity: row.capacity,
    remaining: row.capacity - row.sold,
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
    },
    createdAt: row.createdAt.toISOString(),
  }
}
