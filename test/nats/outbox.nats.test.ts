import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { connect } from 'nats'
import { NatsPublisher, outboxStream } from '../../src/modules/outbox/nats.publisher.ts'
import { bearer, build } from '../support/app.builder.ts'
import { buyOne } from '../support/sales.fixtures.ts'
import { createEvent } from '../support/test.data.ts'

test('with NATS_URL, order events reach JetStream once each', async (t) => {
  // The test runner runs this tier only when TEST_NATS_URL is set.
  const natsUrl = process.env.TEST_NATS_URL ?? ''
  const app = await build(t, { NATS_URL: natsUrl })
  const admin = await bearer(app, 'admin')
  const guest = await bearer(app, 'guest')
  const eventId = await createEvent(app, admin)
  const { id: orderId } = await buyOne(app, eventId, guest, 'nats')
  await app.outbox.relay.relayOnce()

  const connection = await connect({ servers: natsUrl })
  t.after(() => connection.close())
  const manager = await connection.jetstreamManager()
  const scan = async () => {
    const seen: string[] = []
    const info = await manager.streams.info(outboxStream)
    const from = Math.max(info.state.first_seq, info.state.last_seq - 50)
    for (let seq = from; seq <= info.state.last_seq; seq++) {
      const message = await manager.streams.getMessage(outboxStream, { seq }).catch(() => null)
      if (!message) continue
      const body = JSON.parse(new TextDecoder().decode(message.data))
      if (body.payload?.id === orderId) seen.push(message.subject)
    }
    return seen
  }
  // The relay also runs on its own timer; wait (bounded) for it to finish publishing.
  let seen = await scan()
  for (let i = 0; i < 50 && seen.length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    await app.outbox.relay.relayOnce()
    seen = await scan()
  }
  assert.deepEqual(seen.sort(), ['breakwater.order.created', 'breakwater.order.paid'])
})

test('row 1 of two databases sharing the stream are two messages, and a row shipped twice is one', async (t) => {
  const natsUrl = process.env.TEST_NATS_URL ?? ''
  const publisher = await NatsPublisher.connect(natsUrl)
  t.after(() => publisher.close())
  const connection = await connect({ servers: natsUrl })
  t.after(() => connection.close())
  const manager = await connection.jetstreamManager()
  const topic = `test.${randomUUID()}`
  const first = { id: 1, topic, key: randomUUID(), payload: { from: 'first database' } }
  const second = { id: 1, topic, key: randomUUID(), payload: { from: 'second database' } }
  await publisher.publish(first)
  await publisher.publish(second)
  await publisher.publish(first) // the relay delivers at least once
  const stored: unknown[] = []
  const info = await manager.streams.info(outboxStream)
  for (
    let seq = Math.max(info.state.first_seq, info.state.last_seq - 20);
    seq <= info.state.last_seq;
    seq++
  ) {
    const message = await manager.streams.getMessage(outboxStream, { seq }).catch(() => null)
    if (message?.subject === `breakwater.${topic}`)
      stored.push(JSON.parse(new TextDecoder().decode(message.data)).payload)
  }
  assert.deepEqual(stored, [{ from: 'first database' }, { from: 'second database' }])
})
