import { useEffect, useState } from 'react'
import { api, loadSession, type Order } from '../api.ts'
import { ErrorNotice } from '../components.tsx'
import { type MessageKey, useI18n } from '../i18n.tsx'

/** "My orders": the signed-in (or guest) user's own orders; the API shows no one else's. */
export function OrdersPage() {
  const { t, money, dateTime } = useI18n()
  const [orders, setOrders] = useState<Order[] | null>(null)
  const [names, setNames] = useState<Record<string, string>>({})
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    const session = loadSession()
    if (!session) {
      setOrders([])
      return
    }
    api('get', '/api/v1/orders', { token: session.accessToken })
      .then((r) => setOrders(r.orders))
      .catch(setError)
    api('get', '/api/v1/events', { query: { limit: 100 } })
      .then((r) => setNames(Object.fromEntries(r.events.map((e) => [e.id, e.name]))))
      .catch(setError)
  }, [])
  return (
    <section>
      <h1>{t('orders.title')}</h1>
      <ErrorNotice error={error} />
      {orders === null && !error ? <p>{t('common.loading')}</p> : null}
      {orders?.length === 0 ? <p>{t('orders.none')}</p> : null}
      {orders && orders.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('orders.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('orders.event')}</th>
                <th scope="col">{t('orders.quantity')}</th>
                <th scope="col">{t('orders.amount')}</th>
                <th scope="col">{t('orders.status')}</th>
                <th scope="col">{t('orders.date')}</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((order) => (
                <tr key={order.id} data-order-status={order.status}>
                  <td>{names[order.eventId] ?? order.eventId.slice(0, 8)}</td>
                  <td>{order.quantity}</td>
                  <td>{money(order.amountCents, order.currency)}</td>
                  <td>{t(`order.status.${order.status}` as MessageKey)}</td>
                  <td>{dateTime(order.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  )
}
