import type { EventInfo, Frontier, RoomState } from '../api.ts'
import { Sparkline } from '../components.tsx'
import { type MessageKey, useI18n } from '../i18n.tsx'

/** One second's reading of an event's room and stock. */
export interface Sample {
  at: number
  waiting: number
  servingNumber: number
  taken: number
}

/** The room's state, the line, admissions per second, shoppers inside, stock taken and revenue. */
export function LiveStats({
  event,
  frontier,
  samples,
  state,
}: {
  event: EventInfo
  frontier: Frontier | null
  samples: Sample[]
  state: RoomState
}) {
  const { t, number, money } = useI18n()
  const perSecond = (pick: (s: Sample) => number) =>
    samples.slice(1).map((s, i) => {
      const prev = samples[i] as Sample
      return Math.max(0, (pick(s) - pick(prev)) / Math.max(0.001, (s.at - prev.at) / 1000))
    })
  const admittedPerSec = perSecond((s) => s.servingNumber)
  const taken = event.capacity - event.remaining
  return (
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
  )
}
