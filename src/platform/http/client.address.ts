import type { IncomingMessage } from 'node:http'
import proxyAddr from '@fastify/proxy-addr'

/**
 * Who sent a request: the socket's peer, or, when that peer is a trusted proxy, the nearest address
 * in `X-Forwarded-For` that is not one. Nobody else's header is believed, so a client on the
 * internet cannot choose its own address.
 */
export class ClientAddresses {
  private readonly trust: ((address: string, hop: number) => boolean) | null

  constructor(trusted: readonly string[]) {
    this.trust = trusted.length > 0 ? proxyAddr.compile([...trusted]) : null
  }

  of(request: IncomingMessage): string {
    const peer = request.socket.remoteAddress ?? ''
    if (this.trust === null || request.headers['x-forwarded-for'] === undefined) return normalise(peer)
    return normalise(proxyAddr(request, this.trust))
  }
}

/**
 * The key a limit counts under: an IPv4 address as it is, an IPv6 one by its /64, since one
 * subscriber is handed a whole /64 and could otherwise take a fresh address per request.
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) return address
  const groups = expandIpv6(address)
  return groups === null ? address : `${groups.slice(0, 4).join(':')}::/64`
}

function normalise(address: string): string {
  // An IPv4 client on a dual-stack socket.
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}

function expandIpv6(address: string): string[] | null {
  const [head = '', tail, extra] = address.split('::')
  if (extra !== undefined) return null
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const missing = tail === undefined ? 0 : 8 - left.length - right.length
  if (missing < 0) return null
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right]
  if (groups.length !== 8) return null
  return groups.map((group) => (Number.parseInt(group, 16) || 0).toString(16))
}
