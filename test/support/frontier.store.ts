import type {
  Ceiling,
  FrontierSnapshot,
  FrontierStore,
  PersistedFrontier,
} from '../../src/modules/waiting-room/queue-frontiers.repository.ts'

/** The frontier store as a map, with the table's rules, for tests of the Redis state alone. */
export class MemoryFrontierStore implements FrontierStore {
  readonly rows = new Map<string, PersistedFrontier>()

  /** The event's row, made as the table's defaults make it when there is none. */
  private row(eventId: string): PersistedFrontier {
    let row = this.rows.get(eventId)
    if (!row) {
      row = {
        epoch: 0,
        lastNumber: 0,
        numberCeiling: 0,
        servingNumber: 0,
        admitted: 0,
        admissionCeiling: 0,
        admissions: [],
        preQueue: null,
      }
      this.rows.set(eventId, row)
    }
    return row
  }

  async openEpoch(eventId: string): Promise<PersistedFrontier> {
    const row = this.row(eventId)
    row.epoch += 1
    return structuredClone(row)
  }

  async reserve(eventId: string, ceiling: Ceiling, atLeast: number): Promise<number> {
    const row = this.row(eventId)
    row[ceiling] = Math.max(row[ceiling], atLeast)
    return row[ceiling]
  }

  async save(eventId: string, snapshot: FrontierSnapshot): Promise<void> {
    const row = this.row(eventId)
    if (snapshot.epoch >= row.epoch) row.admissions = snapshot.admissions
    row.epoch = Math.max(row.epoch, snapshot.epoch)
    row.lastNumber = Math.max(row.lastNumber, snapshot.lastNumber)
    row.servingNumber = Math.max(row.servingNumber, snapshot.servingNumber)
    row.admitted = Math.max(row.admitted, snapshot.admitted)
    row.preQueue ??= snapshot.preQueue
  }
}
