import { useCallback, useEffect, useState } from 'react'
import { type Admission, api, type EventInfo, store, stored } from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { useI18n } from '../i18n.tsx'
import { admissionKey, Shop } from './Shop.tsx'
import { WaitingRoom } from './WaitingRoom.tsx'

function validAdmission(eventId: string): Admission | null {
  const admission = stored<Admission>(admissionKey(eventId))
  return admission && Date.parse(admission.expiresAt) > Date.now() ? admission : null
}

/** One event: the waiting room first when the event has one, then the shop. */
export function EventPage({ eventId }: { eventId: string }) {
  const { t, money, dateTime, number } = useI18n()
  const [event, setEvent] = useState<EventInfo | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [admission, setAdmission] = useState<Admission | null>(() => validAdmission(eventId))

  const refresh = useCallback(() => {
    api('get', '/api/v1/events/{eventId}', { path: { eventId } })
      .then((e) => {
        setEvent(e)
        setError(null)
      })
      .catch(setError)
  }, [eventId])
  useEffect(refresh, [refresh])

  const admitted = (next: Admission) => {
    store(admissionKey(eventId), next)
    setAdmission(next)
  }

  if (!event) {
    return (
      <section>
        <ErrorNotice error={error} />
        {error ? null : <p>{t('common.loading')}</p>}
      </section>
    )
  }
  const needsQueue = event.queue.enabled && !admission
  return (
    <section>
      <h1>{event.name}</h1>
      {event.description ? <p>{event.description}</p> : null}
      <dl className="facts">
        <div>
          <dt>{t('event.price')}</dt>
          <dd>{money(event.priceCents, event.currency)}</dd>
        </div>
        <div>
          <dt>{t('event.opens')}</dt>
          <dd>{dateTime(event.salesOpenAt)}</dd>
        </div>
        <div>
          <dt>{t('event.left')}</dt>
          <dd data-testid="remaining">
            {event.remaining === 0
              ? t('event.soldOut')
              : t('event.remaining', {
                  remaining: number(event.remaining),
                  capacity: number(event.capacity),
                })}
          </dd>
        </div>
        <div>
          <dt>{t('event.limit')}</dt>
          <dd>{event.perUserLimit}</dd>
        </div>
      </dl>
      <ErrorNotice error={error} />
      {needsQueue ? (
        <WaitingRoom event={event} onAdmitted={admitted} onRefreshEvent={refresh} />
      ) : (
        <Shop event={event} admission={admission} onChanged={refresh} />
      )}
    </section>
  )
}
