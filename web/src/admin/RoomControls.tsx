import { type FormEvent, useState } from 'react'
import { type ApiBody, ApiError, api, type EventInfo, type Frontier, type RoomState } from '../api.ts'
import { describedBy, Field, type FieldErrors } from '../components.tsx'
import { type MessageKey, useI18n } from '../i18n.tsx'

type QueueChanges = ApiBody<'/api/v1/events/{eventId}/queue', 'patch'>

/** Open, pause or close an event's waiting room, and change its admission rate and maxActive. */
export function RoomControls({
  event,
  token,
  state,
  onFrontier,
  onError,
}: {
  event: EventInfo
  token: string
  state: RoomState
  onFrontier: (frontier: Frontier) => void
  /** The panel shows one error for everything it does; null clears it. */
  onError: (error: unknown) => void
}) {
  const { t } = useI18n()
  const [rate, setRate] = useState(String(event.queue.admissionRatePerSec))
  const [maxActive, setMaxActive] = useState(String(event.queue.maxActive))
  const [errors, setErrors] = useState<FieldErrors>({})
  const [busy, setBusy] = useState(false)

  const patch = async (changes: QueueChanges) => {
    setBusy(true)
    onError(null)
    try {
      onFrontier(
        await api('patch', '/api/v1/events/{eventId}/queue', {
          path: { eventId: event.id },
          token,
          body: changes,
        }),
      )
    } catch (err) {
      if (err instanceof ApiError)
        setErrors({
          admissionRatePerSec: err.fieldMessage('admissionRatePerSec'),
          maxActive: err.fieldMessage('maxActive'),
        })
      onError(err)
    } finally {
      setBusy(false)
    }
  }
  const submitSettings = (e: FormEvent) => {
    e.preventDefault()
    const found: FieldErrors = {}
    const r = Number(rate)
    const m = Number(maxActive)
    if (!Number.isInteger(r) || r < 1 || r > 100_000)
      found.admissionRatePerSec = t('form.range', { min: 1, max: 100_000 })
    if (!Number.isInteger(m) || m < 1 || m > 10_000_000)
      found.maxActive = t('form.range', { min: 1, max: 10_000_000 })
    setErrors(found)
    if (Object.keys(found).length === 0) void patch({ admissionRatePerSec: r, maxActive: m })
  }

  return (
    <>
      <fieldset className="actions">
        <legend className="visually-hidden">{t('admin.roomControls')}</legend>
        {(['open', 'paused', 'closed'] as const).map((s) => (
          <button key={s} type="button" disabled={busy || state === s} onClick={() => patch({ state: s })}>
            {t(`admin.set.${s}` as MessageKey)}
          </button>
        ))}
      </fieldset>
      <form onSubmit={submitSettings} noValidate className="row settings" aria-label={t('admin.settings')}>
        <Field id="live-rate" label={t('admin.rate')} error={errors.admissionRatePerSec}>
          <input
            id="live-rate"
            type="number"
            min={1}
            value={rate}
            aria-invalid={errors.admissionRatePerSec ? true : undefined}
            aria-describedby={describedBy('live-rate', errors.admissionRatePerSec)}
            onChange={(e) => setRate(e.target.value)}
          />
        </Field>
        <Field id="live-max" label={t('admin.maxActive')} error={errors.maxActive}>
          <input
            id="live-max"
            type="number"
            min={1}
            value={maxActive}
            aria-invalid={errors.maxActive ? true : undefined}
            aria-describedby={describedBy('live-max', errors.maxActive)}
            onChange={(e) => setMaxActive(e.target.value)}
          />
        </Field>
        <button type="submit" disabled={busy}>
          {t('admin.apply')}
        </button>
      </form>
    </>
  )
}
