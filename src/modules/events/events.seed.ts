import type { EventsService } from './events.service.ts'

const demoName = 'Breakwater Live — Demo Night'

/** Creates the demo events once, so a fresh install has something to show. */
export async function seedDemoEvents(events: EventsService, now = new Date()): Promise<{ created: number }> {
  const existing = await events.list(200, 0)
  if (existing.some((event) => event.name === demoName)) return { created: 0 }
  const opensAt = new Date(now.getTime() + 60_000).toISOString()
  await events.create({
    name: demoName,
    description: 'General admission. The waiting room opens a minute after seeding.',
    salesOpenAt: opensAt,
    capacity: 1000,
    priceCents: 5500,
    currency: 'USD',
    perUserLimit: 4,
    queue: { enabled: true, admissionRatePerSec: 20, maxActive: 200, shuffleAtOpen: true },
  })
  await events.create({
    name: 'Breakwater Hall — Seated Matinee',
    description: 'Reserved seating in two sections.',
    salesOpenAt: opensAt,
    seatMap: {
      sections: [
        { name: 'Floor', rows: ['A', 'B', 'C', 'D'].map((name) => ({ name, seats: 20 })) },
        { name: 'Balcony', rows: ['E', 'F'].map((name) => ({ name, seats: 16 })) },
      ],
    },
    priceCents: 89000,
    currency: 'KRW',
    perUserLimit: 2,
    queue: { enabled: true, admissionRatePerSec: 10, maxActive: 50 },
  })
  return { created: 2 }
}
