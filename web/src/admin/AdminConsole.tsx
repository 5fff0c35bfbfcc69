import { useCallback, useEffect, useState } from 'react'
import { api, type EventInfo, type Session, saveSession } from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { useI18n } from '../i18n.tsx'
import { AuditLogPanel } from './AuditLogPanel.tsx'
import { EventForm } from './EventForm.tsx'
import { LivePanel } from './LivePanel.tsx'
import { SecurityLogPanel } from './SecurityLogPanel.tsx'

/** The signed-in console: the event form beside the live panel of the chosen event, the audit and security logs below. */
export function AdminConsole({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { t } = useI18n()
  const [events, setEvents] = useState<EventInfo[]>([])
  const [selected, setSelected] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const load = useCallback(async (select?: string) => {
    try {
      const r = await api('get', '/api/v1/events', { query: { limit: 100 } })
      setEvents(r.events)
      setSelected((s) => select ?? s ?? r.events[0]?.id ?? null)
    } catch (e) {
      setError(e)
    }
  }, [])
  useEffect(() => {
    void load()
  }, [load])
  const event = events.find((e) => e.id === selected) ?? null
  return (
    <section>
      <div className="title-row">
        <h1>{t('admin.title')}</h1>
        <button
          type="button"
          onClick={() => {
            // Ends every session of the account on the server too; signed out here whatever it answers.
            void api('post', '/api/v1/auth/logout', { token: session.accessToken }).catch(() => {})
            saveSession(null)
            onSignOut()
          }}
        >
          {t('admin.signOut')}
        </button>
      </div>
      <ErrorNotice error={error} />
      <div className="admin-grid">
        <EventForm token={session.accessToken} onCreated={(id) => load(id)} />
        <section className="live" aria-labelledby="live-title">
          <h2 id="live-title">{t('admin.live')}</h2>
          <label className="field">
            <span>{t('admin.event')}</span>
            <select value={selected ?? ''} onChange={(e) => setSelected(e.target.value)}>
              {events.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          {event ? <LivePanel key={event.id} event={event} token={session.accessToken} /> : null}
        </section>
      </div>
      <AuditLogPanel token={session.accessToken} />
      <SecurityLogPanel token={session.accessToken} />
    </section>
  )
}
