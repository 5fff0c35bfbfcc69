import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { ClientAddresses } from '../http/client.address.ts'
import { AppError } from '../http/errors.catalogue.ts'
import type { GateCheck, GateRequest } from '../http/request.gate.ts'

/**
 * Where `GET /metrics` is served, and to whom. Metrics carry revenue and orders by status, so by
 * default only this machine reads them: loopback clients on the main port.
 */
export interface MetricsExposure {
  /** A port of its own for metrics (`METRICS_PORT`); the main port then no longer serves them without the token. */
  port: number | null
  /** The address that port binds to (`METRICS_HOST`). */
  host: string
  /** A bearer token (`METRICS_TOKEN`): a request carrying it is served from anywhere, on either port. */
  token: string | null
}

/**
 * The gate's check on the main port's `/metrics`: the token, when one is set, lets any client in;
 * without it only a loopback client is served, and only while metrics have no port of their own.
 * The client address is the one the rate limits use, so a proxy on this machine that passes
 * `X-Forwarded-For` (and is in `TRUST_PROXY`) does not make the internet look local.
 */
export function metricsAccessCheck(exposure: MetricsExposure, addresses: ClientAddresses): GateCheck {
  return {
    name: 'metrics-access',
    classes: ['metrics'],
    check(request: GateRequest) {
      if (carriesMetricsToken(request.headers, exposure.token)) return
      if (exposure.port === null && isLoopback(addresses.of(request.raw))) return
      throw metricsNotServed(request.method, request.url)
    },
  }
}

/** Whether the request's `Authorization: Bearer …` is the metrics token; false when none is set. */
export function carriesMetricsToken(headers: IncomingHttpHeaders, token: string | null): boolean {
  if (token === null) return false
  const match = /^bearer +(\S+) *$/i.exec(headers.authorization ?? '')
  if (match === null) return false
  // Digests of equal length, so the comparison takes the same time whatever was sent.
  return timingSafeEqual(digest(match[1] ?? ''), digest(token))
}

/**
 * A refused `/metrics` is answered exactly as a path that does not exist: a client outside learns
 * neither that metrics are here nor that a token would open them.
 */
export function metricsNotServed(method: string, url: string): AppError {
  return new AppError('BW_ROUTE_NOT_FOUND', `No route for ${method} ${url.split('?')[0]}`)
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1'
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
