import { createConnection, createServer, type Server, type Socket } from 'node:net'
import type { TestContext } from 'node:test'
import { freePort } from './redis.server.ts'
import { onTeardown } from './teardown.stack.ts'

export interface TcpProxy {
  port: number
  /** Drops every connection and refuses new ones, as if the service behind had gone away. */
  cut(): Promise<void>
  restore(): Promise<void>
}

/** A loopback TCP proxy in front of a service, so a test can take the service away and bring it back. */
export async function startTcpProxy(
  t: TestContext,
  target: { host: string; port: number },
): Promise<TcpProxy> {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let server: Server | null = null
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = createConnection(target)
        sockets.add(client).add(upstream)
        const drop = () => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        client.on('error', drop).on('close', drop)
        upstream.on('error', drop).on('close', drop)
        client.pipe(upstream).pipe(client)
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
  const cut = async () => {
    const running = server
    server = null
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    if (running) await new Promise<void>((resolve) => running.close(() => resolve()))
  }
  await listen()
  onTeardown(t, cut)
  return { port, cut, restore: listen }
}
