import type { ReactElement } from 'react'
import { useI18n } from './i18n.tsx'
import { AdminPage } from './pages/AdminPage.tsx'
import { EventPage } from './pages/EventPage.tsx'
import { EventsPage } from './pages/EventsPage.tsx'
import { OrdersPage } from './pages/OrdersPage.tsx'
import { Link, usePath } from './router.tsx'

export function App() {
  const { t, locale, setLocale } = useI18n()
  const path = usePath()
  const eventMatch = /^\/events\/([0-9a-f-]{36})\/?$/.exec(path)
  let page: ReactElement
  if (eventMatch?.[1]) page = <EventPage eventId={eventMatch[1]} />
  else if (path === '/orders') page = <OrdersPage />
  else if (path === '/admin') page = <AdminPage />
  else if (path === '/' || path === '/events') page = <EventsPage />
  else
    page = (
      <section>
        <h1>{t('notFound.title')}</h1>
        <Link to="/">{t('nav.events')}</Link>
      </section>
    )
  return (
    <>
      <a className="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Breakwater
        </Link>
        <nav aria-label={t('nav.label')}>
          <Link to="/">{t('nav.events')}</Link>
          <Link to="/orders">{t('nav.orders')}</Link>
          <Link to="/admin">{t('nav.admin')}</Link>
        </nav>
        <label className="lang">
          <span className="visually-hidden">{t('nav.language')}</span>
          <select value={locale} onChange={(e) => setLocale(e.target.value as 'en' | 'ko')}>
            <option value="en" lang="en">
              English
            </option>
            <option value="ko" lang="ko">
              한국어
            </option>
          </select>
        </label>
      </header>
      <main id="main">{page}</main>
    </>
  )
}
