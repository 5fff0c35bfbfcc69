import type { FastifyInstance } from 'fastify'

/**
 * The one place tests describe the things they create and who signs in. Each returns what the API
 * takes, with defaults a test overrides only where its behaviour depends on the value. Nothing
 * here imports the app: a test that sets up instrumentation before the app's modules load (the
 * traces tier) can use it too.
 */

export const testAdmin = { email: 'admin@breakwater.test', password: 'admin-password-1' }

/** Signs in and returns the bearer header for it. */
export async function bearer(
  app: FastifyInstance,
  as: 'admin' | 'guest',
): Promise<{ authorization: string }> {
  const response =
    as === 'admin'
      ? await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: testAdmin })
      : await app.inject({ method: 'POST', url: '/api/v1/auth/guest' })
  if (response.statusCode >= 300)
    throw new Error(`sign-in as ${as} failed: ${response.statusCode} ${response.body}`)
  return { authorization: `Bearer ${response.json().accessToken}` }
}

/**
 * An event whose sale opened a minute ago, its line off: general admission for ten, or seated when
 * the overrides give a seat map (the two are either-or).
 */
export function eventInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Test night',
    salesOpenAt: new Date(Date.now() - 60_000).toISOString(),
    ...(overrides.seatMap ? {} : { capacity: 10 }),
    priceCents: 2500,
    currency: 'USD',
    perUserLimit: 4,
    queue: { enabled: false },
    ...overrides,
  }
}

/** Creates an event through the API as `admin`; returns its id. */
export async function createEvent(
  app: FastifyInstance,
  admin: { authorization: string },
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: admin,
    payload: eventInput(overrides),
  })
  if (response.statusCode !== 201) throw new Error(`create event: ${response.statusCode} ${response.body}`)
  return response.json().id
}

/** Creates an event as the configured admin, its line on with the queue settings given. */
export async function createQueuedEvent(
  app: FastifyInstance,
  queue: {
    admissionRatePerSec?: number
    maxActive?: number
    enabled?: boolean
    shuffleAtOpen?: boolean
    pow?: 'off' | 'on' | 'auto'
  } = {},
  overrides: Record<string, unknown> = {},
): Promise<string> {
  return createEvent(app, await bearer(app, 'admin'), { capacity: 1000, queue, ...overrides })
}
