import type { FastifyInstance } from 'fastify'
import { bearer } from './app.builder.ts'

export interface Guest {
  headers: { authorization: string }
  ticket: string
  number: number
}

/** Signs in `count` guests one after another and joins each to the event's line. */
export async function joinGuests(app: FastifyInstance, eventId: string, count: number): Promise<Guest[]> {
  const guests: Guest[] = []
  for (let i = 0; i < count; i++) {
    const headers = await bearer(app, 'guest')
    const response = await app.inject({
      method: 'POST',
      url: `/api/v1/events/${eventId}/queue/join`,
      headers,
    })
    if (response.statusCode !== 201) throw new Error(`join: ${response.statusCode} ${response.body}`)
    const { ticket, number } = response.json()
    guests.push({ headers, ticket, number })
  }
  return guests
}

/** Ticks until every number is called or the bound is reached, recording the order numbers are called in. */
export async function admitAll(app: FastifyInstance, eventId: string, guests: Guest[]): Promise<number[]> {
  const order: number[] = []
  const waiting = new Set(guests)
  let now = Date.now()
  for (let round = 0; round < 1000 && waiting.size > 0; round++) {
    now += 1000
    await app.waitingRoom.ticker.tick(now)
    await app.waitingRoom.refresh()
    const admitted: Guest[] = []
    for (const guest of waiting) {
      const status = await app.inject({
        url: `/api/v1/events/${eventId}/queue/status`,
        headers: { 'x-queue-ticket': guest.ticket },
      })
      if (status.json().state === 'admitted') admitted.push(guest)
    }
    // Within one tick, order by number: a tick admits a batch at once.
    for (const guest of admitted.sort((a, b) => a.number - b.number)) {
      order.push(guests.indexOf(guest))
      waiting.delete(guest)
    }
  }
  return order
}
