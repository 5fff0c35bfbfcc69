import { isIP } from 'node:net'
import type { Role } from '../../config.ts'

export interface BannerFacts {
  version: string
  role: Role
  /** The address listened on, as configured (HOST). */
  host: string
  /** The port actually bound, which differs from PORT when PORT is 0. */
  port: number
  /** Whether ADMIN_EMAIL and ADMIN_PASSWORD made an admin account. */
  admin: boolean
  /** Whether `/docs` is served (DOCS_ENABLED). */
  docs: boolean
}

/**
 * The one line a person at a terminal reads when the server is up: where to open it, and the admin
 * console. Logs stay JSON for machines; this line is printed only when stdout is a terminal.
 */
export function startupBanner({ version, role, host, port, admin, docs }: BannerFacts): string {
  const base = `http://${displayHost(host)}:${port}`
  if (role === 'api')
    return `Breakwater ${version} (api) is ready at ${base}/api/v1${docs ? ` (API docs: ${base}/docs)` : ''}`
  if (role === 'worker') return `Breakwater ${version} (worker) is running (health: ${base}/healthz)`
  const account = admin ? '' : '; set ADMIN_EMAIL and ADMIN_PASSWORD for an account'
  const name = role === 'all' ? '' : ` (${role})`
  return `Breakwater ${version}${name} is ready at ${base} (admin console: ${base}/admin${account})`
}

/** Every address (0.0.0.0, ::) includes this machine's loopback, the one address a browser here can open. */
function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost'
  return isIP(host) === 6 ? `[${host}]` : host
}
