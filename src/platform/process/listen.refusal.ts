import { createServer } from 'node:net'
import { StartupRefusal } from './startup.refusal.ts'

/** A port the server listens on, and the settings that name it. */
export interface Listening {
  port: number
  host: string
  portKey: 'PORT' | 'METRICS_PORT'
  hostKey: 'HOST' | 'METRICS_HOST'
}

/** What to tell the operator when the port cannot be had; undefined for an unexpected failure. */
export function listenRefusal(code: string | undefined, listening: Listening): string | undefined {
  const { port, host, portKey, hostKey } = listening
  const name = portKey === 'PORT' ? 'port' : portKey
  if (code === 'EADDRINUSE')
    return `${name} ${port} on ${host} is already in use (another server?): stop it, or choose another ${portKey}`
  if (code === 'EACCES')
    return `${name} ${port} needs privileges this process lacks: choose a ${portKey} above 1023`
  if (code === 'EADDRNOTAVAIL') return `${hostKey}=${host} is not an address of this machine`
  return undefined
}

/**
 * Binds each port for a moment and lets it go, before anything is opened: a second server on a
 * taken port refuses at once, in one line, instead of opening (and locking, and migrating) a
 * database only to fail on listen. Port 0 is always free. Another process may still take a port
 * between this check and the listen; the listen's own failure is refused in the same words.
 */
export async function checkPortsFree(listenings: readonly Listening[]): Promise<void> {
  for (const listening of listenings) {
    if (listening.port === 0) continue
    await new Promise<void>((resolve, reject) => {
      const probe = createServer()
      probe.once('error', (error: NodeJS.ErrnoException) => {
        const refusal = listenRefusal(error.code, listening)
        reject(refusal ? new StartupRefusal(refusal, { cause: error }) : error)
      })
      probe.listen({ port: listening.port, host: listening.host, exclusive: true }, () =>
        probe.close(() => resolve()),
      )
    })
  }
}
