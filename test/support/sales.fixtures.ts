import type { FastifyInstance } from 'fastify'

/** Holds one ticket and orders it with an approved card; returns the created order. */
export async function buyOne(
  app: FastifyInstance,
  eventId: string,
  buyer: { authorization: string },
  idempotencyKey: string,
): Promise<{ id: string; status: string }> {
  const hold = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/holds`,
    headers: buyer,
    payload: { quantity: 1 },
  })
  if (hold.statusCode !== 201) throw new Error(`hold: ${hold.statusCode} ${hold.body}`)
  const order = await app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: { ...buyer, 'idempotency-key': idempotencyKey },
    payload: { holdId: hold.json().holdId, paymentToken: 'tok_approved' },
  })
  if (order.statusCode !== 201) throw new Error(`order: ${order.statusCode} ${order.body}`)
  return order.json()
}
