import { useEffect, useState } from 'react'
import { api, type EventInfo } from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { useI18n } from '../i18n.tsx'
import { Link } from '../router.tsx'

/** The shop's front: every event with its price, opening time and what is left. */
export function EventsPage() {
  const { t, money, dateTime, number } = useI18n()
  const [events, setEvents] = useState<EventInfo[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    api('get', '/api/v1/events', { query: { limit: 100 } })
      .then((r) => setEvents(r.events))
      .catch(setError)
  }, [])
  return (
    <section>
      <h1>{t('events.title')}</h1>
      <ErrorNotice error={error} />
      {events === null && !error ? <p>{t('common.loading')}</p> : null}
      {events?.length === 0 ? <p>{t('events.none')}</p> : null}
      <ul className="cards">
        {events?.map((event) => (
          <li key={event.id} className="card">
            <h2>
              <Link to={`/events/${event.id}`}>{event.name}</Link>
            </h2>
            <p>{event.kind === 'seated' ? t('event.kind.seated') : t('event.kind.general')}</p>
            <p>
              {t('event.price')}: <strong>{money(event.priceCents, event.currency)}</strong>
            </p>
            <p>
              {t('event.opens')}: {dateTime(event.salesOpenAt)}
            </p>
            <p>
              {event.remaining === 0
                ? t('event.soldOut')
                : t('event.remaining', {
                    remaining: number(event.remaining),
                    capacity: number(event.capacity),
                  })}
            </p>
          </li>
        ))}
      </ul>
    </section>
  )
}
