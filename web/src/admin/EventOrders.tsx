import type { Order } from '../api.ts'
import { type MessageKey, useI18n } from '../i18n.tsx'

/** An event's latest orders, as the admin's live panel lists them. */
export function EventOrders({ orders }: { orders: Order[] }) {
  const { t, number, money, dateTime } = useI18n()
  if (orders.length === 0) return <p>{t('orders.none')}</p>
  return (
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
  )
}
