import { useCallback, useEffect, useRef, useState } from 'react'
import {
  type Admission,
  ApiError,
  api,
  type EventInfo,
  ensureSession,
  type Frontier,
  type Place,
  store,
  stored,
} from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { useI18n } from '../i18n.tsx'
import { solvePow } from '../pow.ts'

interface Ticket {
  ticket: string
  number: number
  joinedAt: string
  /** The position when joining: the progress bar runs from here to the front. */
  firstPosition: number
}

const ticketKey = (eventId: string) => `bw.ticket.${eventId}`

/**
 * The waiting room: join once, then poll status as often as the server asks (pollAfterMs), and
 * move on to the shop by itself when admitted. The ticket lives in localStorage, so a reload or
 * a second tab keeps the same place.
 */
export function WaitingRoom({
  event,
  onAdmitted,
  onRefreshEvent,
}: {
  event: EventInfo
  onAdmitted: (admission: Admission) => void
  onRefreshEvent: () => void
}) {
  const { t, time, number } = useI18n()
  const [ticket, setTicket] = useState<Ticket | null>(() => stored<Ticket>(ticketKey(event.id)))
  const [place, setPlace] = useState<Place | null>(null)
  const [frontier, setFrontier] = useState<Frontier | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [joining, setJoining] = useState(false)
  // Proof of work asked at join: how much of the challenge the worker has tried, null when none.
  const [powProgress, setPowProgress] = useState<number | null>(null)
  // Called, but every place in the shop was taken: the page keeps asking and says why.
  const [enterRefused, setEnterRefused] = useState(false)
  // The line was lost on the server and started again: the page joined afresh and says so.
  const [lineReset, setLineReset] = useState(false)
  const polls = useRef(0)

  const join = async () => {
    setJoining(true)
    setError(null)
    try {
      const session = await ensureSession()
      const joinWith = (pow: string | null) =>
        api('post', '/api/v1/events/{eventId}/queue/join', {
          path: { eventId: event.id },
          token: session.accessToken,
          headers: pow ? { 'x-queue-pow': pow } : {},
        })
      const solve = async () => {
        setPowProgress(0)
        try {
          return await solvePow(event.id, setPowProgress)
        } finally {
          setPowProgress(null)
        }
      }
      // An event that always asks gets its challenge solved up front; under `auto` the join says
      // when (428), and a challenge that expired or was spent meanwhile (403) is solved afresh.
      let joined: Awaited<ReturnType<typeof joinWith>>
      try {
        joined = await joinWith(event.queue.pow === 'on' ? await solve() : null)
      } catch (e) {
        const code = e instanceof ApiError ? e.problem.code : undefined
        if (code !== 'BW_POW_REQUIRED' && code !== 'BW_POW_INVALID') throw e
        joined = await joinWith(await solve())
      }
      // Joining again answers the same ticket: keep the first join time and starting place.
      const previous = stored<Ticket>(ticketKey(event.id))
      const next: Ticket =
        previous?.ticket === joined.ticket
          ? previous
          : {
              ticket: joined.ticket,
              number: joined.number,
              joinedAt: new Date().toISOString(),
              firstPosition: Math.max(1, joined.position),
            }
      store(ticketKey(event.id), next)
      setPlace(joined)
      setTicket(next)
    } catch (e) {
      setError(e)
    } finally {
      setJoining(false)
    }
  }
  // The poll re-joins with the join of the latest render, not of the render that started it.
  const joinAgain = useRef(join)
  joinAgain.current = join

  const enter = useCallback(
    async (current: Ticket): Promise<boolean> => {
      const session = await ensureSession()
      try {
        const admission = await api('post', '/api/v1/events/{eventId}/queue/enter', {
          path: { eventId: event.id },
          token: session.accessToken,
          headers: { 'x-queue-ticket': current.ticket },
        })
        onAdmitted(admission)
        return true
      } catch (e) {
        // 409: the frontier copy this process answered from was a moment ahead; poll again.
        if (e instanceof ApiError && e.problem.status === 409) {
          setEnterRefused(e.problem.code === 'BW_QUEUE_FULL')
          return false
        }
        throw e
      }
    },
    [event.id, onAdmitted],
  )

  useEffect(() => {
    if (!ticket) return
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const poll = async () => {
      let delay = 2000
      try {
        const [status, room] = await Promise.all([
          api('get', '/api/v1/events/{eventId}/queue/status', {
            path: { eventId: event.id },
            headers: { 'x-queue-ticket': ticket.ticket },
          }),
          api('get', '/api/v1/events/{eventId}/queue', { path: { eventId: event.id } }),
        ])
        if (stopped) return
        setPlace(status)
        setFrontier(room)
        setError(null)
        delay = status.pollAfterMs
        if (status.state === 'admitted' && (await enter(ticket))) return
        // Stock changes slowly next to the line: refresh it every tenth poll, not every poll.
        polls.current += 1
        if (polls.current % 10 === 0) onRefreshEvent()
      } catch (e) {
        if (stopped) return
        if (e instanceof ApiError && e.problem.code === 'BW_TICKET_RESET') {
          // The line this ticket was for is gone: its number means nothing now. Join the new line.
          store(ticketKey(event.id), null)
          setTicket(null)
          setLineReset(true)
          void joinAgain.current()
          return
        }
        if (e instanceof ApiError && (e.problem.status === 401 || e.problem.status === 403)) {
          // The ticket is not ours any more (expired, or another identity): join afresh.
          store(ticketKey(event.id), null)
          setTicket(null)
          setError(e)
          return
        }
        setError(e)
        delay = 3000
      }
      if (!stopped) timer = setTimeout(poll, Math.max(500, Math.min(delay, 72_000)))
    }
    void poll()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [ticket, event.id, enter, onRefreshEvent])

  // The line's own word is the freshest; the event's stock covers the time before the first poll.
  const soldOut = place?.soldOut ?? frontier?.soldOut ?? event.remaining === 0
  const roomState = frontier?.state ?? event.queue.state
  // Nobody is let in while maxActive shoppers are inside, so the line stands still until one leaves.
  const shopFull =
    roomState === 'open' &&
    ((enterRefused && place?.state === 'admitted') ||
      (frontier !== null && frontier.active >= frontier.maxActive))
  const position = place?.position ?? null
  const ahead = position === null ? null : Math.max(0, position - 1)
  const progress =
    ticket && position !== null ? Math.min(1, Math.max(0, 1 - position / ticket.firstPosition)) : 0
  const eta = place ? formatEta(place.etaSeconds, t) : ''

  return (
    <div className="waiting-room" data-testid="waiting-room">
      <h2>{t('queue.title')}</h2>
      {soldOut ? (
        <p className="notice" role="status">
          {t('queue.soldOut')}
        </p>
      ) : null}
      {roomState === 'closed' || place?.state === 'closed' ? (
        <p className="notice" role="status">
          {t('queue.closed')}
        </p>
      ) : null}
      {ticket && shopFull ? (
        <p className="notice" role="status" data-testid="shop-full">
          {t('queue.shopFull')}
        </p>
      ) : null}
      {lineReset ? (
        <p className="notice" role="status" data-testid="line-reset">
          {t('queue.reset')}
        </p>
      ) : null}
      {roomState === 'paused' ? (
        <p className="notice" role="status" data-testid="paused">
          {t('queue.paused')}
        </p>
      ) : null}
      {!ticket ? (
        <>
          <p>{t('queue.intro')}</p>
          <button
            type="button"
            className="primary"
            onClick={join}
            disabled={joining || roomState === 'closed'}
          >
            {joining ? t('queue.joining') : t('queue.join')}
          </button>
          {powProgress !== null ? (
            <label className="progress" data-testid="pow-progress">
              <span>{t('queue.powSolving')}</span>
              <progress max={100} value={Math.round(powProgress * 100)}>
                {Math.round(powProgress * 100)}%
              </progress>
            </label>
          ) : null}
        </>
      ) : (
        <>
          <dl className="facts big">
            <div>
              <dt>{t('queue.position')}</dt>
              <dd data-testid="position">{position === null ? '…' : number(position)}</dd>
            </div>
            <div>
              <dt>{t('queue.ahead')}</dt>
              <dd data-testid="ahead">{ahead === null ? '…' : number(ahead)}</dd>
            </div>
            <div>
              <dt>{t('queue.eta')}</dt>
              {/* The estimate assumes the line moves; while paused it does not. */}
              <dd>{place ? (roomState === 'paused' ? t('room.paused') : eta) : '…'}</dd>
            </div>
            <div>
              <dt>{t('queue.joinedAt')}</dt>
              <dd>{time(ticket.joinedAt)}</dd>
            </div>
          </dl>
          <label className="progress">
            <span>{t('queue.progress')}</span>
            <progress max={100} value={Math.round(progress * 100)}>
              {Math.round(progress * 100)}%
            </progress>
          </label>
          <p className="hint">{t('queue.keepOpen')}</p>
        </>
      )}
      {/* Announced politely, and only when the position changes, so a screen reader is not flooded. */}
      <p className="visually-hidden" aria-live="polite" aria-atomic="true">
        {position === null
          ? ''
          : place?.state === 'admitted'
            ? t('queue.announceAdmitted')
            : t('queue.announce', { position: number(position), eta })}
      </p>
      <ErrorNotice error={error} />
    </div>
  )
}

function formatEta(seconds: number, t: ReturnType<typeof useI18n>['t']): string {
  if (seconds < 60) return t('queue.etaSeconds', { n: Math.max(1, seconds) })
  if (seconds < 3600) return t('queue.etaMinutes', { n: Math.ceil(seconds / 60) })
  return t('queue.etaHours', { h: Math.floor(seconds / 3600), m: Math.ceil((seconds % 3600) / 60) })
}
