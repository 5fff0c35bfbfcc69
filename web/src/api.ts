/** The Breakwater API as the browser sees it: same origin, JSON in and out, problems as errors. */

export interface FieldError {
  field: string
  message: string
}

export interface Problem {
  status: number
  code?: string
  title?: string
  detail?: string
  errors?: FieldError[]
  position?: number
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`)
  }
  /** The server's message for one form field, matched on the field's last path segment too. */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field || e.field.endsWith(`.${field}`))?.message
  }
}

export interface User {
  id: string
  email: string | null
  role: 'customer' | 'admin'
  guest: boolean
  displayName: string | null
}
export interface Session {
  accessToken: string
  expiresAt: string
  user: User
}
export interface QueueSettings {
  enabled: boolean
  state: RoomState
  admissionRatePerSec: number
  maxActive: number
  shuffleAtOpen: boolean
}
export type RoomState = 'open' | 'paused' | 'closed'
export interface EventInfo {
  id: string
  name: string
  description: string | null
  salesOpenAt: string
  kind: 'general' | 'seated'
  capacity: number
  remaining: number
  priceCents: number
  currency: string
  perUserLimit: number
  queue: QueueSettings
}
export interface Seat {
  id: string
  section: string
  row: string
  number: number
  state: 'available' | 'held' | 'sold'
}
export interface Place {
  ticket?: string
  state: 'waiting' | 'admitted' | 'closed'
  number: number
  position: number
  servingNumber: number
  etaSeconds: number
  pollAfterMs: number
  /** Nothing left to sell: nobody is called until stock comes back. */
  soldOut: boolean
  stale: boolean
}
export interface Frontier {
  state: RoomState
  servingNumber: number
  lastNumber: number
  waiting: number
  admissionRatePerSec: number
  maxActive: number
  active: number
  soldOut: boolean
  stale: boolean
}
export interface Hold {
  holdId: string
  eventId: string
  quantity: number
  seatIds: string[]
  expiresAt: string
}
export interface Order {
  id: string
  eventId: string
  holdId: string
  quantity: number
  amountCents: number
  currency: string
  status: 'pending_payment' | 'paid' | 'payment_failed' | 'expired' | 'refunded'
  failureReason: string | null
  createdAt: string
}

interface RequestOptions {
  method?: string
  body?: unknown
  token?: string | null
  headers?: Record<string, string>
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.token) headers.authorization = `Bearer ${options.token}`
  let response: Response
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
  } catch (error) {
    throw new ApiError({ status: 0, detail: error instanceof Error ? error.message : String(error) })
  }
  if (response.status === 204) return undefined as T
  const text = await response.text()
  let data: unknown = null
  try {
    data = text ? JSON.parse(text) : null
  } catch {
    data = null
  }
  if (!response.ok) {
    const problem = (data && typeof data === 'object' ? data : {}) as Partial<Problem>
    throw new ApiError({ ...problem, status: response.status, detail: problem.detail ?? response.statusText })
  }
  return data as T
}

const sessionKey = 'bw.session'

/** The user's session, kept in localStorage so a reload or a second tab keeps the place in line. */
export function loadSession(): Session | null {
  try {
    const session = JSON.parse(localStorage.getItem(sessionKey) ?? 'null') as Session | null
    if (session && Date.parse(session.expiresAt) > Date.now() + 60_000) return session
  } catch {}
  return null
}

export function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(sessionKey, JSON.stringify(session))
  else localStorage.removeItem(sessionKey)
}

/** The current session, or a new guest one. */
export async function ensureSession(): Promise<Session> {
  const existing = loadSession()
  if (existing) return existing
  const session = await api<Session>('/api/v1/auth/guest', { method: 'POST' })
  saveSession(session)
  return session
}

export function stored<T>(key: string): T | null {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') as T | null
  } catch {
    return null
  }
}

export function store(key: string, value: unknown): void {
  if (value === null) localStorage.removeItem(key)
  else localStorage.setItem(key, JSON.stringify(value))
}
