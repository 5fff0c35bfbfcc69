import type { ReactNode } from 'react'
import { ApiError } from './api.ts'
import { useI18n } from './i18n.tsx'

/** A failed request, shown to the user with the server's own words. */
export function ErrorNotice({ error }: { error: unknown }) {
  const { t } = useI18n()
  if (!error) return null
  const message =
    error instanceof ApiError
      ? error.problem.status === 0
        ? t('error.network')
        : `${error.problem.title ?? t('error.title')}: ${error.problem.detail ?? ''}`
      : error instanceof Error
        ? error.message
        : String(error)
  return (
    <p className="error" role="alert">
      {message}
      {error instanceof ApiError && error.problem.code ? <code> {error.problem.code}</code> : null}
    </p>
  )
}

/** A form's error messages by field id. */
export type FieldErrors = Record<string, string | undefined>

/** A labelled input with its own error message, announced with the input. */
export function Field({
  id,
  label,
  error,
  children,
  hint,
}: {
  id: string
  label: string
  error?: string | undefined
  hint?: string
  children: ReactNode
}) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      ) : null}
    </div>
  )
}

/** aria-describedby for an input rendered inside Field. */
export function describedBy(id: string, error?: string, hint?: boolean): string | undefined {
  const ids = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean)
  return ids.length > 0 ? ids.join(' ') : undefined
}

/** A line chart drawn in SVG: a handful of numbers do not need a chart library. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 240
  const height = 60
  const max = Math.max(1, ...values)
  const step = values.length > 1 ? width / (values.length - 1) : width
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * (height - 4) - 2).toFixed(1)}`,
  )
  return (
    // Stretched to the tile's width, the line keeping its thickness.
    <svg
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="none"
      className="sparkline"
      role="img"
      aria-label={label}
    >
      <polyline
        points={points.join(' ')}
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        vectorEffect="non-scaling-stroke"
      />
    </svg>
  )
}
