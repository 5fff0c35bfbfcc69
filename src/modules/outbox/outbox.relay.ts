import { EventEmitter } from 'node:events'
import { sql } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'

export interface OutboxMessage {
  id: number
  topic: string
  /** What the message is about (an order id); null on rows written before keys were kept. */
  key: string | null
  payload: unknown
}

/** Where relayed messages go; in process by default. */
export interface OutboxPublisher {
  publish(message: OutboxMessage): Promise<void>
}

/** Delivers to listeners in this process: `relay.events.on('order.paid', …)`. */
export class InProcessPublisher implements OutboxPublisher {
  readonly events = new EventEmitter()
  async publish(message: OutboxMessage): Promise<void> {
    this.events.emit(message.topic, message)
    this.events.emit('*', message)
  }
}

/**
 * Ships outbox rows written by other transactions. Each batch is claimed with SKIP LOCKED, so
 * several workers share the work, and marked published only after publishing: at least once.
 */
export class OutboxRelay {
  constructor(
    private readonly db: Db,
    private readonly publisher: OutboxPublisher,
  ) {}

  /** Relays one batch; returns how many messages it published. */
  async relayOnce(batchSize = 100): Promise<number> {
    return guard(
      this.db.transaction(async (tx) => {
        const result = await guard(
          tx.execute(
            sql`SELECT id, topic, key, payload FROM outbox WHERE published_at IS NULL
            ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`,
          ),
        )
        const messages = (result as unknown as { rows: OutboxMessage[] }).rows
        for (const message of messages) await this.publisher.publish({ ...message, id: Number(message.id) })
        if (messages.length > 0) {
          await guard(
            tx.execute(
              sql`UPDATE outbox SET published_at = now() WHERE id IN (${sql.join(
                messages.map((m) => sql`${m.id}`),
                sql`, `,
              )})`,
            ),
          )
        }
        return messages.length
      }),
    )
  }
}
