import { useEffect, useRef, useState } from 'react'
import { api, type EventInfo, type Frontier, type Order } from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { useI18n } from '../i18n.tsx'
import { EventOrders } from './EventOrders.tsx'
import { LiveStats, type Sample } from './LiveStats.tsx'
import { RoomControls } from './RoomControls.tsx'

const maxSamples = 60

/** Live numbers for one event, sampled every second, with the last minute drawn as lines. */
export function LivePanel({ event: initial, token }: { event: EventInfo; token: string }) {
  const { t } = useI18n()
  const [event, setEvent] = useState(initial)
  const [frontier, setFrontier] = useState<Frontier | null>(null)
  const [samples, setSamples] = useState<Sample[]>([])
  const [error, setError] = useState<unknown>(null)
  const [orders, setOrders] = useState<Order[]>([])
  const inFlight = useRef(false)

  useEffect(() => {
    let stopped = false
    const sample = async () => {
      // Skip a beat rather than pile up requests when the server is slow.
      if (inFlight.current) return
      inFlight.current = true
      try {
        const [e, f, o] = await Promise.all([
          api('get', '/api/v1/events/{eventId}', { path: { eventId: initial.id } }),
          initial.queue.enabled
            ? api('get', '/api/v1/events/{eventId}/queue', { path: { eventId: initial.id } })
            : Promise.resolve(null),
          api('get', '/api/v1/events/{eventId}/orders', {
            path: { eventId: initial.id },
            query: { limit: 50 },
            token,
          }),
        ])
        if (stopped) return
        setEvent(e)
        setFrontier(f)
        setOrders(o.orders)
        setError(null)
        const s: Sample = {
          at: Date.now(),
          waiting: f?.waiting ?? 0,
          servingNumber: f?.servingNumber ?? 0,
          taken: e.capacity - e.remaining,
        }
        setSamples((prev) => [...prev, s].slice(-maxSamples))
      } catch (err) {
        if (!stopped) setError(err)
      } finally {
        inFlight.current = false
      }
    }
    void sample()
    const timer = setInterval(sample, 1000)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [initial.id, initial.queue.enabled, token])

  const state = frontier?.state ?? event.queue.state
  return (
    <div className="live-panel" data-testid="live">
      <ErrorNotice error={error} />
      <LiveStats event={event} frontier={frontier} samples={samples} state={state} />
      <p className="hint">{t('admin.takenNote')}</p>
      {event.queue.enabled ? (
        <RoomControls
          event={initial}
          token={token}
          state={state}
          onFrontier={setFrontier}
          onError={setError}
        />
      ) : (
        <p>{t('admin.noQueue')}</p>
      )}
      <h3>{t('admin.orders')}</h3>
      <EventOrders orders={orders} />
    </div>
  )
}
