import { useEffect, useRef, useState } from 'react'
import {
  type Admission,
  ApiError,
  api,
  type EventInfo,
  ensureSession,
  type Hold,
  type Order,
  type Seat,
  store,
  stored,
} from '../api.ts'
import { describedBy, ErrorNotice, Field } from '../components.tsx'
import { type MessageKey, useI18n } from '../i18n.tsx'
import { Link } from '../router.tsx'

export const admissionKey = (eventId: string) => `bw.admission.${eventId}`
const holdKey = (eventId: string) => `bw.hold.${eventId}`

const cards = ['tok_approved', 'tok_declined', 'tok_error'] as const
type Card = (typeof cards)[number]

/** An idempotency key; randomUUID needs a secure context, so fall back to getRandomValues. */
function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  )
}

function useNow(): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  return now
}

/** The shop for one event: choose a quantity or seats, hold them, pay with a test card. */
export function Shop({
  event,
  admission,
  onChanged,
}: {
  event: EventInfo
  admission: Admission | null
  onChanged: () => void
}) {
  const { t, money, time } = useI18n()
  const now = useNow()
  const [hold, setHold] = useState<Hold | null>(() => {
    const saved = stored<Hold>(holdKey(event.id))
    return saved && Date.parse(saved.expiresAt) > Date.now() ? saved : null
  })
  const [quantity, setQuantity] = useState('1')
  const [quantityError, setQuantityError] = useState<string>()
  const [seats, setSeats] = useState<Seat[] | null>(null)
  const [selected, setSelected] = useState<string[]>([])
  const [card, setCard] = useState<Card>('tok_approved')
  const [order, setOrder] = useState<Order | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  // One key per checkout attempt: a double click or a retry after a lost answer replays it.
  const attemptKey = useRef<string | null>(null)

  const loadSeats = () => {
    if (event.kind !== 'seated') return
    api('get', '/api/v1/events/{eventId}/seats', { path: { eventId: event.id } })
      .then((r) => setSeats(r.seats))
      .catch(setError)
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: load once per event
  useEffect(loadSeats, [event.id])

  const saveHold = (next: Hold | null) => {
    store(holdKey(event.id), next)
    setHold(next)
  }

  const holdLeftMs = hold ? Date.parse(hold.expiresAt) - now : 0
  useEffect(() => {
    if (hold && holdLeftMs <= 0 && !order) {
      saveHold(null)
      setError(new Error(t('shop.holdExpired')))
      onChanged()
      loadSeats()
    }
  })

  const limit = Math.min(event.perUserLimit, Math.max(1, event.remaining))
  const createHold = async () => {
    setError(null)
    setQuantityError(undefined)
    let body: { quantity: number } | { seatIds: string[] }
    if (event.kind === 'seated') {
      if (selected.length === 0) {
        setError(new Error(t('shop.pickSeats')))
        return
      }
      body = { seatIds: selected }
    } else {
      const n = Number(quantity)
      if (!Number.isInteger(n) || n < 1 || n > limit) {
        setQuantityError(t('shop.quantityRange', { max: limit }))
        return
      }
      body = { quantity: n }
    }
    setBusy(true)
    try {
      const session = await ensureSession()
      const created = await api('post', '/api/v1/events/{eventId}/holds', {
        path: { eventId: event.id },
        token: session.accessToken,
        body,
        headers: admission ? { 'x-admission-token': admission.admissionToken } : {},
      })
      saveHold(created)
      setSelected([])
      setOrder(null)
      attemptKey.current = null
      onChanged()
      loadSeats()
    } catch (e) {
      if (e instanceof ApiError) setQuantityError(e.fieldMessage('quantity'))
      setError(e)
      loadSeats()
    } finally {
      setBusy(false)
    }
  }

  const release = async () => {
    if (!hold) return
    setBusy(true)
    try {
      const session = await ensureSession()
      await api('delete', '/api/v1/holds/{holdId}', {
        path: { holdId: hold.holdId },
        token: session.accessToken,
      })
      saveHold(null)
      onChanged()
      loadSeats()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  const pay = async () => {
    if (!hold || busy) return
    setBusy(true)
    setError(null)
    attemptKey.current ??= newIdempotencyKey()
    try {
      const session = await ensureSession()
      let result = await api('post', '/api/v1/orders', {
        token: session.accessToken,
        body: { holdId: hold.holdId, paymentToken: card },
        headers: { 'idempotency-key': attemptKey.current },
      })
      // A payment may settle later (webhook): look again, a bounded number of times.
      for (let i = 0; i < 20 && result.status === 'pending_payment'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000))
        result = await api('get', '/api/v1/orders/{orderId}', {
          path: { orderId: result.id },
          token: session.accessToken,
        })
      }
      setOrder(result)
      // The attempt has an answer: a next attempt (another card) is a new request with a new key.
      attemptKey.current = null
      // Paid, or failed: either way the hold is used up (a failed charge returns it to stock).
      if (result.status !== 'pending_payment') {
        saveHold(null)
        loadSeats()
      }
      onChanged()
    } catch (e) {
      // No answer, or a refusal: keep the key so that trying again cannot charge twice.
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  if (order?.status === 'paid') {
    return (
      <div className="confirmation" role="status" data-testid="confirmation">
        <h2>{t('shop.thanks')}</h2>
        <p>
          {t('shop.orderPaid', {
            quantity: order.quantity,
            amount: money(order.amountCents, order.currency),
          })}
        </p>
        <p>
          {t('shop.orderId')}: <code>{order.id}</code>
        </p>
        <Link to="/orders">{t('nav.orders')}</Link>
      </div>
    )
  }

  const mine = new Set(hold?.seatIds ?? [])
  return (
    <div className="shop" data-testid="shop">
      <h2>{t('shop.title')}</h2>
      {admission ? (
        <p className="hint">{t('shop.admittedUntil', { time: time(admission.expiresAt) })}</p>
      ) : null}
      {!hold ? (
        <>
          {event.kind === 'seated' ? (
            <SeatMap
              seats={seats}
              selected={selected}
              mine={mine}
              max={event.perUserLimit}
              onToggle={(id) =>
                setSelected((s) =>
                  s.includes(id) ? s.filter((x) => x !== id) : s.length < event.perUserLimit ? [...s, id] : s,
                )
              }
            />
          ) : (
            <Field
              id="quantity"
              label={t('shop.quantity')}
              error={quantityError}
              hint={t('shop.quantityHint', { max: limit })}
            >
              <input
                id="quantity"
                type="number"
                inputMode="numeric"
                min={1}
                max={limit}
                value={quantity}
                aria-invalid={quantityError ? true : undefined}
                aria-describedby={describedBy('quantity', quantityError, true)}
                onChange={(e) => setQuantity(e.target.value)}
              />
            </Field>
          )}
          <button
            type="button"
            className="primary"
            onClick={createHold}
            disabled={busy || event.remaining === 0}
          >
            {event.remaining === 0 ? t('event.soldOut') : t('shop.hold')}
          </button>
        </>
      ) : (
        <div className="checkout">
          <p role="timer" aria-live="off" data-testid="hold-countdown">
            {t('shop.holdFor', {
              quantity: hold.quantity,
              left: `${Math.floor(Math.max(0, holdLeftMs) / 60000)}:${String(Math.floor((Math.max(0, holdLeftMs) % 60000) / 1000)).padStart(2, '0')}`,
            })}
          </p>
          <p>
            {t('shop.total')}: <strong>{money(event.priceCents * hold.quantity, event.currency)}</strong>
          </p>
          <fieldset>
            <legend>{t('shop.card')}</legend>
            {cards.map((c) => (
              <label key={c} className="radio">
                <input
                  type="radio"
                  name="card"
                  value={c}
                  checked={card === c}
                  onChange={() => {
                    setCard(c)
                    attemptKey.current = null
                  }}
                />
                {t(`card.${c}` as MessageKey)} <code>{c}</code>
              </label>
            ))}
          </fieldset>
          <div className="actions">
            <button type="button" className="primary" onClick={pay} disabled={busy} aria-busy={busy}>
              {busy ? t('shop.paying') : t('shop.pay')}
            </button>
            <button type="button" onClick={release} disabled={busy}>
              {t('shop.release')}
            </button>
          </div>
        </div>
      )}
      {order ? (
        <p className="error" role="alert" data-testid="order-failed">
          {t(`order.status.${order.status}` as MessageKey)}
          {order.failureReason ? `: ${order.failureReason}` : ''}. {t('shop.tryAgain')}
        </p>
      ) : null}
      <ErrorNotice error={error} />
    </div>
  )
}

function SeatMap({
  seats,
  selected,
  mine,
  max,
  onToggle,
}: {
  seats: Seat[] | null
  selected: string[]
  mine: Set<string>
  max: number
  onToggle: (id: string) => void
}) {
  const { t } = useI18n()
  if (!seats) return <p>{t('common.loading')}</p>
  const rows = new Map<string, Seat[]>()
  for (const seat of seats) {
    const key = `${seat.section} · ${seat.row}`
    rows.set(key, [...(rows.get(key) ?? []), seat])
  }
  return (
    <fieldset className="seat-map">
      <legend>{t('shop.seats', { max })}</legend>
      <ul className="legend" aria-hidden="true">
        <li className="seat available">{t('seat.available')}</li>
        <li className="seat selected">{t('seat.selected')}</li>
        <li className="seat held">{t('seat.held')}</li>
        <li className="seat sold">{t('seat.sold')}</li>
      </ul>
      {[...rows].map(([row, rowSeats]) => (
        <div key={row} className="seat-row">
          <span className="row-name">{row}</span>
          {rowSeats
            .sort((a, b) => a.number - b.number)
            .map((seat) => {
              const state = mine.has(seat.id) ? 'mine' : selected.includes(seat.id) ? 'selected' : seat.state
              const label = t('seat.label', {
                section: seat.section,
                row: seat.row,
                number: seat.number,
                state: t(`seat.${state}` as MessageKey),
              })
              return (
                <button
                  key={seat.id}
                  type="button"
                  className={`seat ${state}`}
                  aria-pressed={selected.includes(seat.id)}
                  aria-label={label}
                  title={label}
                  disabled={seat.state !== 'available'}
                  onClick={() => onToggle(seat.id)}
                >
                  {seat.number}
                </button>
              )
            })}
        </div>
      ))}
    </fieldset>
  )
}
