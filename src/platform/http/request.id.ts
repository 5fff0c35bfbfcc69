import { randomUUID } from 'node:crypto'

/** Short and plain: what tracing systems send (UUIDs, W3C trace ids, `host:pid:n`), nothing to inject into a log. */
const acceptable = /^[A-Za-z0-9._:-]{1,64}$/

/**
 * The id a request is answered and logged under, on both paths: the caller's `X-Request-Id` when it
 * is at most 64 characters of `A-Z a-z 0-9 . _ : -`, otherwise a fresh UUID. A header that fails is
 * neither echoed nor logged, so it cannot forge log lines or bloat every line of a request.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && acceptable.test(header) ? header : randomUUID()
}
