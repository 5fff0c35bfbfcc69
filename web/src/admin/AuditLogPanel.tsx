import { useCallback, useEffect, useState } from 'react'
import { type ApiAnswer, api } from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { type MessageKey, useI18n } from '../i18n.tsx'
import { PageButtons, useCursorPages } from './CursorPages.tsx'

type AuditPage = ApiAnswer<'/api/v1/admin/audit'>
type AuditEntry = AuditPage['entries'][number]

/** The filters the panel offers: everything, or one family of actions. */
const filters = ['', 'auth.*', 'event.*', 'queue.*'] as const
/** Actions with a name of their own in the messages; any other is shown as it is stored. */
const namedActions = new Set([
  'auth.login',
  'auth.login_failed',
  'auth.registered',
  'event.created',
  'queue.opened',
  'queue.paused',
  'queue.closed',
  'queue.configured',
])
const pageSize = 25

/** The audit log for admins, newest first, a page at a time. */
export function AuditLogPanel({ token }: { token: string }) {
  const { t, dateTime } = useI18n()
  const [filter, setFilter] = useState<(typeof filters)[number]>('')
  const pages = useCursorPages()
  const [page, setPage] = useState<AuditPage | null>(null)
  const [error, setError] = useState<unknown>(null)
  const after = pages.after

  const load = useCallback(async () => {
    try {
      const answer = await api('get', '/api/v1/admin/audit', {
        token,
        query: {
          limit: pageSize,
          ...(after === null ? {} : { after }),
          ...(filter ? { action: filter } : {}),
        },
      })
      setPage(answer)
      setError(null)
    } catch (e) {
      setError(e)
    }
  }, [token, after, filter])
  useEffect(() => {
    void load()
  }, [load])

  const actionName = (action: string) =>
    namedActions.has(action) ? t(`audit.action.${action}` as MessageKey) : action
  const actor = (entry: AuditEntry) =>
    [entry.actor.role ?? t('audit.anonymous'), entry.actor.ip].filter(Boolean).join(' · ')
  return (
    <section className="live audit" aria-labelledby="audit-title">
      <div className="title-row">
        <h2 id="audit-title">{t('audit.title')}</h2>
        <label className="field">
          <span>{t('audit.filter')}</span>
          <select
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value as (typeof filters)[number])
              pages.restart()
            }}
          >
            {filters.map((f) => (
              <option key={f} value={f}>
                {t(`audit.filter.${f ? f.slice(0, -2) : 'all'}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice error={error} />
      {page && page.entries.length === 0 ? <p>{t('audit.none')}</p> : null}
      {page && page.entries.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="admin-audit">
            <caption className="visually-hidden">{t('audit.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('audit.at')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.target')}</th>
                <th scope="col">{t('audit.details')}</th>
              </tr>
            </thead>
            <tbody>
              {page.entries.map((entry) => (
                <tr key={entry.id} data-action={entry.action}>
                  <td className="audit-at">{dateTime(entry.at)}</td>
                  <td className="audit-action">{actionName(entry.action)}</td>
                  <td>{actor(entry)}</td>
                  <td className="audit-target" title={entry.target ?? undefined}>
                    {entry.target ?? ''}
                  </td>
                  <td className="audit-details">
                    {Object.keys(entry.details).length > 0 ? JSON.stringify(entry.details) : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <PageButtons
        pages={pages}
        next={page?.next}
        labels={{ back: t('audit.newer'), forward: t('audit.older'), refresh: t('audit.refresh') }}
        onRefresh={() => (pages.atFirst ? void load() : pages.restart())}
      />
    </section>
  )
}
