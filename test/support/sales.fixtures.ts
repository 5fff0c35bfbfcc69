import type { FastifyInstance } from 'fastify'

/** Creates an event as the admin and returns its id; the queue is off unless asked for. */
export async function createEvent(
  app: FastifyInstance,
  admin: { authorization: string },
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: admin,
    payload: {
      name: 'Test night',
      salesOpenAt: new Date(Date.now() - 60_000).toISOString(),
      capacity: 10,
      priceCents: 2500,
      currency: 'USD',
      perUserLimit: 4,
      queue: { enabled: false },
      ...overrides,
    },
  })
  if (response.statusCode !== 201) throw new Error(`create event: ${response.statusCode} ${response.body}`)
  return response.json().id
}
