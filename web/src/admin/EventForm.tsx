import { type FormEvent, useState } from 'react'
import { ApiError, api } from '../api.ts'
import { describedBy, ErrorNotice, Field, type FieldErrors } from '../components.tsx'
import { type MessageKey, toMinorUnits, useI18n } from '../i18n.tsx'

/** `<input type=datetime-local>` wants local time without a zone. */
function localInputValue(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 16)
}

/** Creates an event (general admission or a seat map), with or without a waiting room. */
export function EventForm({ token, onCreated }: { token: string; onCreated: (id: string) => void }) {
  const { t } = useI18n()
  const [form, setForm] = useState({
    name: '',
    kind: 'general' as 'general' | 'seated',
    capacity: '100',
    rows: '5',
    seatsPerRow: '10',
    price: '50',
    currency: 'USD',
    perUserLimit: '4',
    salesOpenAt: localInputValue(new Date()),
    queueEnabled: true,
    rate: '10',
    maxActive: '100',
    shuffleAtOpen: false,
    pow: 'auto' as 'off' | 'on' | 'auto',
  })
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<unknown>(null)
  const [created, setCreated] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const set = (key: keyof typeof form) => (value: string | boolean) =>
    setForm((f) => ({ ...f, [key]: value }))
  const int = (value: string, min: number, max: number) => {
    const n = Number(value)
    return Number.isInteger(n) && n >= min && n <= max
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const found: FieldErrors = {}
    if (form.name.trim().length === 0) found.name = t('form.required')
    if (form.kind === 'general' && !int(form.capacity, 1, 10_000_000))
      found.capacity = t('form.range', { min: 1, max: 10_000_000 })
    if (form.kind === 'seated') {
      if (!int(form.rows, 1, 26)) found.rows = t('form.range', { min: 1, max: 26 })
      if (!int(form.seatsPerRow, 1, 500)) found.seatsPerRow = t('form.range', { min: 1, max: 500 })
    }
    const price = Number(form.price)
    if (form.price === '' || !Number.isFinite(price) || price < 0) found.priceCents = t('form.price')
    if (!int(form.perUserLimit, 1, 100)) found.perUserLimit = t('form.range', { min: 1, max: 100 })
    if (Number.isNaN(Date.parse(form.salesOpenAt))) found.salesOpenAt = t('form.required')
    if (form.queueEnabled) {
      if (!int(form.rate, 1, 100_000)) found.admissionRatePerSec = t('form.range', { min: 1, max: 100_000 })
      if (!int(form.maxActive, 1, 10_000_000)) found.maxActive = t('form.range', { min: 1, max: 10_000_000 })
    }
    setErrors(found)
    setError(null)
    if (Object.keys(found).length > 0) return
    const body = {
      name: form.name.trim(),
      salesOpenAt: new Date(form.salesOpenAt).toISOString(),
      priceCents: toMinorUnits(price, form.currency),
      currency: form.currency,
      perUserLimit: Number(form.perUserLimit),
      ...(form.kind === 'general'
        ? { capacity: Number(form.capacity) }
        : {
            seatMap: {
              sections: [
                {
                  name: 'A',
                  rows: Array.from({ length: Number(form.rows) }, (_, i) => ({
                    name: String.fromCharCode(65 + i),
                    seats: Number(form.seatsPerRow),
                  })),
                },
              ],
            },
          }),
      queue: form.queueEnabled
        ? {
            enabled: true,
            admissionRatePerSec: Number(form.rate),
            maxActive: Number(form.maxActive),
            shuffleAtOpen: form.shuffleAtOpen,
            pow: form.pow,
          }
        : { enabled: false },
    }
    setBusy(true)
    try {
      const event = await api('post', '/api/v1/events', { token, body })
      setCreated(event.name)
      onCreated(event.id)
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = ['name', 'capacity', 'priceCents', 'currency', 'perUserLimit', 'salesOpenAt']
        const next: FieldErrors = {}
        for (const f of [...fields, 'admissionRatePerSec', 'maxActive']) next[f] = err.fieldMessage(f)
        setErrors(next)
      }
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const input = (id: string, key: keyof typeof form, label: MessageKey, type = 'text', extra = {}) => (
    <Field id={id} label={t(label)} error={errors[id]}>
      <input
        id={id}
        type={type}
        value={String(form[key])}
        aria-invalid={errors[id] ? true : undefined}
        aria-describedby={describedBy(id, errors[id])}
        onChange={(e) => set(key)(e.target.value)}
        {...extra}
      />
    </Field>
  )
  return (
    <form onSubmit={submit} noValidate className="form" aria-label={t('admin.create')}>
      <h2>{t('admin.create')}</h2>
      {input('name', 'name', 'admin.name')}
      <fieldset>
        <legend>{t('admin.kind')}</legend>
        {(['general', 'seated'] as const).map((k) => (
          <label key={k} className="radio">
            <input type="radio" name="kind" checked={form.kind === k} onChange={() => set('kind')(k)} />
            {t(`event.kind.${k}`)}
          </label>
        ))}
      </fieldset>
      {form.kind === 'general' ? (
        input('capacity', 'capacity', 'admin.capacity', 'number', { min: 1 })
      ) : (
        <div className="row">
          {input('rows', 'rows', 'admin.rows', 'number', { min: 1, max: 26 })}
          {input('seatsPerRow', 'seatsPerRow', 'admin.seatsPerRow', 'number', { min: 1, max: 500 })}
        </div>
      )}
      <div className="row">
        {input('priceCents', 'price', 'admin.price', 'number', { min: 0, step: 'any' })}
        <Field id="currency" label={t('admin.currency')} error={errors.currency}>
          <select id="currency" value={form.currency} onChange={(e) => set('currency')(e.target.value)}>
            {['USD', 'KRW', 'EUR', 'JPY'].map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </Field>
      </div>
      {input('perUserLimit', 'perUserLimit', 'admin.perUserLimit', 'number', { min: 1, max: 100 })}
      {input('salesOpenAt', 'salesOpenAt', 'admin.salesOpenAt', 'datetime-local')}
      <fieldset>
        <legend>{t('admin.queue')}</legend>
        <label className="radio">
          <input
            type="checkbox"
            checked={form.queueEnabled}
            onChange={(e) => set('queueEnabled')(e.target.checked)}
          />
          {t('admin.queueEnabled')}
        </label>
        {form.queueEnabled ? (
          <>
            <div className="row">
              {input('admissionRatePerSec', 'rate', 'admin.rate', 'number', { min: 1 })}
              {input('maxActive', 'maxActive', 'admin.maxActive', 'number', { min: 1 })}
            </div>
            <label className="radio">
              <input
                type="checkbox"
                checked={form.shuffleAtOpen}
                onChange={(e) => set('shuffleAtOpen')(e.target.checked)}
              />
              {t('admin.shuffle')}
            </label>
            <Field id="pow" label={t('admin.pow')}>
              <select id="pow" value={form.pow} onChange={(e) => set('pow')(e.target.value)}>
                {(['auto', 'on', 'off'] as const).map((mode) => (
                  <option key={mode} value={mode}>
                    {t(`admin.pow.${mode}`)}
                  </option>
                ))}
              </select>
            </Field>
          </>
        ) : null}
      </fieldset>
      <button type="submit" className="primary" disabled={busy}>
        {t('admin.createButton')}
      </button>
      {created ? (
        <p role="status" className="ok">
          {t('admin.created', { name: created })}
        </p>
      ) : null}
      <ErrorNotice error={error} />
    </form>
  )
}
