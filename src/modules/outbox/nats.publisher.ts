import { connect, type JetStreamClient, type NatsConnection } from 'nats'
import type { OutboxMessage, OutboxPublisher } from './outbox.relay.ts'

export const outboxStream = 'BREAKWATER_OUTBOX'
export const subjectOf = (topic: string) => `breakwater.${topic}`

/**
 * Publishes outbox messages to NATS JetStream. The message id is the row's key (an order id, unique
 * across databases) with its row id, so a row the relay ships twice (it delivers at least once) is
 * stored once within the stream's dedup window, while row 1 of another database sharing the stream
 * (another deployment, a fresh test database) is not taken for a duplicate and dropped.
 */
export class NatsPublisher implements OutboxPublisher {
  private constructor(
    private readonly connection: NatsConnection,
    private readonly jetstream: JetStreamClient,
  ) {}

  static async connect(url: string): Promise<NatsPublisher> {
    const connection = await connect({ servers: url, name: 'breakwater-outbox', timeout: 2000 })
    const manager = await connection.jetstreamManager()
    try {
      await manager.streams.info(outboxStream)
    } catch {
      await manager.streams.add({ name: outboxStream, subjects: ['breakwater.>'] })
    }
    return new NatsPublisher(connection, connection.jetstream())
  }

  async publish(message: OutboxMessage): Promise<void> {
    await this.jetstream.publish(
      subjectOf(message.topic),
      new TextEncoder().encode(JSON.stringify(message)),
      {
        msgID: messageId(message),
        timeout: 2000,
      },
    )
  }

  async close(): Promise<void> {
    await this.connection.drain()
  }
}

/** JetStream's dedup id of an outbox row; rows written before keys were kept have only their id. */
export function messageId(message: OutboxMessage): string {
  return message.key === null ? `outbox-${message.id}` : `outbox-${message.key}-${message.id}`
}
