import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react'
import en from './i18n/en.json'
import ko from './i18n/ko.json'

export type Locale = 'en' | 'ko'
export type MessageKey = keyof typeof en
const catalogues: Record<Locale, Record<MessageKey, string>> = { en, ko }

interface I18n {
  locale: Locale
  setLocale: (locale: Locale) => void
  t: (key: MessageKey, vars?: Record<string, string | number>) => string
  money: (minorUnits: number, currency: string) => string
  dateTime: (iso: string | number) => string
  time: (iso: string | number) => string
  number: (value: number) => string
}

const I18nContext = createContext<I18n | null>(null)

function initialLocale(): Locale {
  const saved = localStorage.getItem('bw.locale')
  if (saved === 'en' || saved === 'ko') return saved
  return navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en'
}

/** Minor units per currency from Intl itself, so KRW (no minor unit) and USD (cents) both work. */
function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    )
  } catch {
    return 2
  }
}

export function toMinorUnits(major: number, currency: string): number {
  return Math.round(major * 10 ** minorDigits(currency))
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale)
  useEffect(() => {
    document.documentElement.lang = locale
  }, [locale])
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem('bw.locale', next)
    setLocaleState(next)
  }, [])
  const value = useMemo<I18n>(() => {
    const messages = catalogues[locale]
    return {
      locale,
      setLocale,
      t: (key, vars) =>
        (messages[key] ?? en[key] ?? key).replace(/\{(\w+)\}/g, (_, name: string) =>
          vars && name in vars ? String(vars[name]) : `{${name}}`,
        ),
      money: (minor, currency) =>
        new Intl.NumberFormat(locale, { style: 'currency', currency }).format(
          minor / 10 ** minorDigits(currency),
        ),
      dateTime: (iso) =>
        new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)),
      time: (iso) => new Intl.DateTimeFormat(locale, { timeStyle: 'medium' }).format(new Date(iso)),
      number: (value) => new Intl.NumberFormat(locale).format(value),
    }
  }, [locale, setLocale])
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
}

export function useI18n(): I18n {
  const value = useContext(I18nContext)
  if (!value) throw new Error('useI18n outside I18nProvider')
  return value
}
