import { type FormEvent, useState } from 'react'
import { ApiError, api, type Session, saveSession } from '../api.ts'
import { describedBy, ErrorNotice, Field, type FieldErrors } from '../components.tsx'
import { useI18n } from '../i18n.tsx'

/** The admin's sign-in form; a customer's account is refused here. */
export function AdminLogin({ onSession }: { onSession: (s: Session) => void }) {
  const { t } = useI18n()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const found: FieldErrors = {}
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
