import { useCallback, useEffect, useState } from 'react'
import { type ApiAnswer, api } from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { type MessageKey, useI18n } from '../i18n.tsx'
import { PageButtons, useCursorPages } from './CursorPages.tsx'

type SecurityPage = ApiAnswer<'/api/v1/admin/security-log'>
type Action = 'BLOCK' | 'COUNT'

const actions = ['', 'BLOCK', 'COUNT'] as const
const pageSize = 50
const today = () => new Date().toISOString().slice(0, 10)

/** The shield's refusals (and detect-mode hits) of one day, oldest first, a page at a time. */
export function SecurityLogPanel({ token }: { token: string }) {
  const { t, dateTime } = useI18n()
  const [date, setDate] = useState(today)
  const [action, setAction] = useState<(typeof actions)[number]>('')
  const [ip, setIp] = useState('')
  const pages = useCursorPages()
  const [page, setPage] = useState<SecurityPage | null>(null)
  const [error, setError] = useState<unknown>(null)
  const after = pages.after

  const load = useCallback(async () => {
    try {
      const answer = await api('get', '/api/v1/admin/security-log', {
        token,
        query: {
          date,
          limit: pageSize,
          ...(after === null ? {} : { after }),
          ...(action ? { action: action as Action } : {}),
          ...(ip.trim().length >= 2 ? { ip: ip.trim() } : {}),
        },
      })
      setPage(answer)
      setError(null)
    } catch (e) {
      setError(e)
    }
  }, [token, date, after, action, ip])
  useEffect(() => {
    void load()
  }, [load])
  const restart = pages.restart

  return (
    <section className="live audit" aria-labelledby="security-title">
      <div className="title-row">
        <h2 id="security-title">{t('security.title')}</h2>
      </div>
      <div className="filters">
        <label className="field">
          <span>{t('security.date')}</span>
          <input
            type="date"
            value={date}
            onChange={(e) => {
              if (e.target.value) setDate(e.target.value)
              restart()
            }}
          />
        </label>
        <label className="field">
          <span>{t('security.action')}</span>
          <select
            value={action}
            onChange={(e) => {
              setAction(e.target.value as (typeof actions)[number])
              restart()
            }}
          >
            {actions.map((a) => (
              <option key={a} value={a}>
                {t(`security.action.${a || 'all'}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('security.ip')}</span>
          <input
            type="text"
            inputMode="text"
            value={ip}
            placeholder="203.0.113.7"
            onChange={(e) => {
              setIp(e.target.value)
              restart()
            }}
          />
        </label>
      </div>
      <ErrorNotice error={error} />
      {page && page.items.length === 0 ? <p>{t('security.none')}</p> : null}
      {page && page.items.length > 0 ? (
        <div className="table-wrap">
          <table data-testid="admin-security">
            <caption className="visually-hidden">{t('security.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('security.at')}</th>
                <th scope="col">{t('security.action')}</th>
                <th scope="col">{t('security.rule')}</th>
                <th scope="col">{t('security.client')}</th>
                <th scope="col">{t('security.request')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((entry) => (
                <tr key={entry.position} data-action={entry.action} data-rule={entry.terminatingRuleId}>
                  <td className="audit-at">{dateTime(entry.timestamp)}</td>
                  <td className="audit-action">{t(`security.action.${entry.action}` as MessageKey)}</td>
                  <td className="audit-details">{entry.terminatingRuleId}</td>
                  <td>{entry.httpRequest.clientIp}</td>
                  <td className="audit-details">
                    {entry.httpRequest.httpMethod} {entry.httpRequest.uri}
                    {entry.httpRequest.args ? `?${entry.httpRequest.args}` : ''}
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
        labels={{ back: t('security.earlier'), forward: t('security.later'), refresh: t('security.refresh') }}
        onRefresh={() => void load()}
      />
    </section>
  )
}
