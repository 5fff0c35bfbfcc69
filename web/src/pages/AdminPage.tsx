import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react'
import {
  ApiError,
  api,
  type EventInfo,
  type Frontier,
  loadSession,
  type Order,
  type RoomState,
  type Session,
  saveSession,
} from '../api.ts'
import { describedBy, ErrorNotice, Field, Sparkline } from '../components.tsx'
import { type MessageKey, toMinorUnits, useI18n } from '../i18n.tsx'

/** The admin console: sign in, create events, steer each waiting room and watch the sale live. */
export function AdminPage() {
  const [session, setSession] = useState<Session | null>(() => {
    const s = loadSession()
    return s?.user.role === 'admin' ? s : null
  })
  if (!session) return <AdminLogin onSession={setSession} />
  return <AdminConsole session={session} onSignOut={() => setSession(null)} />
}

type Errors = Record<string, string | undefined>

function AdminLogin({ onSession }: { onSession: (s: Session) => void }) {
  const { t } = useI18n()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [errors, setErrors] = useState<Errors>({})
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const found: Errors = {}
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) found.email = t('form.email')
    if (password.length === 0) found.password = t('form.required')
    setErrors(found)
    setError(null)
    if (Object.keys(found).length > 0) return
    setBusy(true)
    try {
      const session = await api('post', '/api/v1/auth/login', { body: { email, password } })
      if (session.user.role !== 'admin') throw new Error(t('admin.notAdmin'))
      saveSession(session)
      onSession(session)
    } catch (err) {
      if (err instanceof ApiError)
        setErrors({ email: err.fieldMessage('email'), password: err.fieldMessage('password') })
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  return (
    <section>
      <h1>{t('admin.title')}</h1>
      <form onSubmit={submit} noValidate className="form narrow" aria-label={t('admin.login')}>
        <h2>{t('admin.login')}</h2>
        <Field id="email" label={t('admin.email')} error={errors.email}>
          <input
            id="email"
            type="email"
            autoComplete="username"
            value={email}
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={describedBy('email', errors.email)}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field id="password" label={t('admin.password')} error={errors.password}>
          <input
            id="password"
            type="password"
            autoComplete="current-password"
            value={password}
            aria-invalid={errors.password ? true : undefined}
            aria-describedby={describedBy('password', errors.password)}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {t('admin.signIn')}
        </button>
        <ErrorNotice error={error} />
      </form>
    </section>
  )
}

function AdminConsole({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
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
            saveSession(null)
            onSignOut()
          }}
        >
          {t('admin.signOut')}
        </button>
      </div>
      <ErrorNotice error={error} />
      <div className="admin-grid">
        <CreateEventForm token={session.accessToken} onCreated={(id) => load(id)} />
        <div>
          <h2>{t('admin.live')}</h2>
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
        </div>
      </div>
    </section>
  )
}

/** `<input type=datetime-local>` wants local time without a zone. */
function localInputValue(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 16)
}

function CreateEventForm({ token, onCreated }: { token: string; onCreated: (id: string) => void }) {
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
  })
  const [errors, setErrors] = useState<Errors>({})
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
    const found: Errors = {}
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
        const next: Errors = {}
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

interface Sample {
  at: number
  waiting: number
  servingNumber: number
  taken: number
}

const maxSamples = 60

/** Live numbers for one event, sampled every second, with the last minute drawn as lines. */
function LivePanel({ event: initial, token }: { event: EventInfo; token: string }) {
  const { t, number, money, dateTime } = useI18n()
  const [event, setEvent] = useState(initial)
  const [frontier, setFrontier] = useState<Frontier | null>(null)
  const [samples, setSamples] = useState<Sample[]>([])
  const [error, setError] = useState<unknown>(null)
  const [rate, setRate] = useState(String(initial.queue.admissionRatePerSec))
  const [maxActive, setMaxActive] = useState(String(initial.queue.maxActive))
  const [errors, setErrors] = useState<Errors>({})
  const [busy, setBusy] = useState(false)
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

  const patch = async (changes: { state?: RoomState; admissionRatePerSec?: number; maxActive?: number }) => {
    setBusy(true)
    setError(null)
    try {
      setFrontier(
        await api('patch', '/api/v1/events/{eventId}/queue', {
          path: { eventId: initial.id },
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
      setError(err)
    } finally {
      setBusy(false)
    }
  }
  const submitSettings = (e: FormEvent) => {
    e.preventDefault()
    const found: Errors = {}
    const r = Number(rate)
    const m = Number(maxActive)
    if (!Number.isInteger(r) || r < 1 || r > 100_000)
      found.admissionRatePerSec = t('form.range', { min: 1, max: 100_000 })
    if (!Number.isInteger(m) || m < 1 || m > 10_000_000)
      found.maxActive = t('form.range', { min: 1, max: 10_000_000 })
    setErrors(found)
    if (Object.keys(found).length === 0) void patch({ admissionRatePerSec: r, maxActive: m })
  }

  const perSecond = (pick: (s: Sample) => number) =>
    samples.slice(1).map((s, i) => {
      const prev = samples[i] as Sample
      return Math.max(0, (pick(s) - pick(prev)) / Math.max(0.001, (s.at - prev.at) / 1000))
    })
  const admittedPerSec = perSecond((s) => s.servingNumber)
  const taken = event.capacity - event.remaining
  const state = frontier?.state ?? event.queue.state
  return (
    <div className="live" data-testid="live">
      <ErrorNotice error={error} />
      <dl className="stats">
        <div>
          <dt>{t('admin.state')}</dt>
          <dd data-testid="room-state">{t(`room.${state}` as MessageKey)}</dd>
        </div>
        <div>
          <dt>{t('admin.waiting')}</dt>
          <dd>
            <span data-testid="waiting">{number(frontier?.waiting ?? 0)}</span>
            <Sparkline values={samples.map((s) => s.waiting)} label={t('admin.waitingChart')} />
          </dd>
        </div>
        <div>
          <dt>{t('admin.admittedPerSec')}</dt>
          <dd>
            {number(Math.round((admittedPerSec.at(-1) ?? 0) * 10) / 10)}
            <Sparkline values={admittedPerSec} label={t('admin.admittedChart')} />
          </dd>
        </div>
        <div>
          <dt>{t('admin.active')}</dt>
          <dd>
            {number(frontier?.active ?? 0)} / {number(frontier?.maxActive ?? event.queue.maxActive)}
          </dd>
        </div>
        <div>
          <dt>{t('admin.taken')}</dt>
          <dd>
            <span data-testid="taken">
              {number(taken)} / {number(event.capacity)}
            </span>
            <Sparkline values={samples.map((s) => s.taken)} label={t('admin.takenChart')} />
          </dd>
        </div>
        <div>
          <dt>{t('admin.revenue')}</dt>
          <dd data-testid="revenue">{money(taken * event.priceCents, event.currency)}</dd>
        </div>
      </dl>
      <p className="hint">{t('admin.takenNote')}</p>
      {event.queue.enabled ? (
        <>
          <fieldset className="actions">
            <legend className="visually-hidden">{t('admin.roomControls')}</legend>
            {(['open', 'paused', 'closed'] as const).map((s) => (
              <button
                key={s}
                type="button"
                disabled={busy || state === s}
                onClick={() => patch({ state: s })}
              >
                {t(`admin.set.${s}` as MessageKey)}
              </button>
            ))}
          </fieldset>
          <form
            onSubmit={submitSettings}
            noValidate
            className="row settings"
            aria-label={t('admin.settings')}
          >
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
      ) : (
        <p>{t('admin.noQueue')}</p>
      )}
      <h3>{t('admin.orders')}</h3>
      {orders.length === 0 ? (
        <p>{t('orders.none')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="admin-orders">
            <caption className="visually-hidden">{t('admin.orders')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('orders.date')}</th>
                <th scope="col">{t('orders.quantity')}</th>
                <th scope="col">{t('orders.amount')}</th>
                <th scope="col">{t('orders.status')}</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((order) => (
                <tr key={order.id} data-order-status={order.status}>
                  <td>{dateTime(order.createdAt)}</td>
                  <td>{number(order.quantity)}</td>
                  <td>{money(order.amountCents, order.currency)}</td>
                  <td>{t(`order.status.${order.status}` as MessageKey)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
