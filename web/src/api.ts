/** The Breakwater API as the browser sees it: same origin, JSON in and out, problems as errors. */

import type { paths } from './api.types.ts'

export interface FieldError {
  field: string
  message: string
}

/** A problem document (RFC 9457), typed by hand: the API document does not describe error answers. */
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

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'
/** The operation the API document describes for a path template and a method. */
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>
/** The path templates that answer a method. */
export type PathWith<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P
}[keyof paths]

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : undefined
/** The body of an operation's success answers (204 is undefined). */
type Answer<Op> = Op extends { responses: infer R }
  ? { [S in keyof R]: S extends 200 | 201 | 202 | 204 ? JsonOf<R[S]> : never }[keyof R]
  : never
/** An operation's path or query parameters; never when it has none. */
type Parameter<Op, In extends 'path' | 'query'> = Op extends { parameters: infer Ps }
  ? In extends keyof Ps
    ? NonNullable<Ps[In]>
    : never
  : never
type RequestBody<Op> = Op extends { requestBody: { content: { 'application/json': infer B } } } ? B : never

/** What a call sends: path parameters, query and body typed by the document, plus token and headers. */
export type RequestOptions<Op> = {
  token?: string | null
  headers?: Record<string, string>
} & ([Parameter<Op, 'path'>] extends [never] ? { path?: undefined } : { path: Parameter<Op, 'path'> }) &
  ([Parameter<Op, 'query'>] extends [never] ? { query?: undefined } : { query?: Parameter<Op, 'query'> }) &
  ([RequestBody<Op>] extends [never] ? { body?: undefined } : { body: RequestBody<Op> })

/** The answer a path template gives to a method. */
export type ApiAnswer<P extends PathWith<M>, M extends Method = 'get'> = Answer<Operation<P, M>>
/** The JSON body a path template takes for a method. */
export type ApiBody<P extends PathWith<M>, M extends Method> = RequestBody<Operation<P, M>>

export type EventInfo = ApiAnswer<'/api/v1/events/{eventId}'>
export type RoomState = EventInfo['queue']['state']
export type Session = ApiAnswer<'/api/v1/auth/login', 'post'>
export type User = Session['user']
export type Seat = ApiAnswer<'/api/v1/events/{eventId}/seats'>['seats'][number]
export type Place = ApiAnswer<'/api/v1/events/{eventId}/queue/status'>
export type Frontier = ApiAnswer<'/api/v1/events/{eventId}/queue'>
export type Admission = ApiAnswer<'/api/v1/events/{eventId}/queue/enter', 'post'>
export type Hold = ApiAnswer<'/api/v1/events/{eventId}/holds', 'post'>
export type Order = ApiAnswer<'/api/v1/orders/{orderId}'>

/** `/api/v1/events/{eventId}` with its parameters filled in, and the query string after it. */
function url(template: string, path: object | undefined, query: object | undefined): string {
  const filled = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (path as Record<string, unknown> | undefined)?.[name]
    if (value === undefined) throw new Error(`${template}: missing path parameter ${name}`)
    return encodeURIComponent(String(value))
  })
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {}))
    if (value !== undefined) search.set(key, String(value))
  const rest = search.toString()
  return rest ? `${filled}?${rest}` : filled
}

/**
 * Calls one operation of the API document: `api('get', '/api/v1/events/{eventId}', { path: { eventId } })`.
 * The answer's type, and what may be sent, come from docs/openapi.json through api.types.ts.
 */
export async function api<M extends Method, P extends PathWith<M>>(
  method: M,
  template: P,
  ...[options]: RequestOptions<Operation<P, M>> extends { path: unknown } | { body: unknown }
    ? [RequestOptions<Operation<P, M>>]
    : [RequestOptions<Operation<P, M>>?]
): Promise<ApiAnswer<P, M>> {
  const {
    token,
    headers: extra,
    path,
    query,
    body,
  } = (options ?? {}) as {
    token?: string | null
    headers?: Record<string, string>
    path?: object
    query?: object
    body?: unknown
  }
  const headers: Record<string, string> = { accept: 'application/json', ...extra }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers.authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url(template, path, query), {
      method: method.toUpperCase(),
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    throw new ApiError({ status: 0, detail: error instanceof Error ? error.message : String(error) })
  }
  if (response.status === 204) return undefined as ApiAnswer<P, M>
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
  return data as ApiAnswer<P, M>
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
  const session = await api('post', '/api/v1/auth/guest')
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
