import net from 'node:net'

/** One request as the pool writes it. */
export interface Http1Request {
  method: string
  path: string
  headers?: Record<string, string> | undefined
  body?: string | undefined
}

/**
 * Hears one response, in the order of undici's dispatch handlers (the same object serves both):
 * the status, the body in one or more chunks, then the end; or an error instead, at any point.
 */
export interface ResponseHandler {
  onHeaders(status: number): boolean
  onData(chunk: Buffer): boolean
  onComplete(): void
  onError(error: Error): void
}

export class Http1Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

interface Pending {
  request: Http1Request
  handler: ResponseHandler
}

/** First in, first out, O(1) each way at any length: Array#shift copies a large array on each call. */
class Fifo<T> {
  private items: (T | undefined)[] = []
  private head = 0

  push(item: T): void {
    this.items.push(item)
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head++] = undefined
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}

const crlf = Buffer.from('\r\n')
const headEnd = Buffer.from('\r\n\r\n')
const unsafeValue = /[\r\n]/

/**
 * A pool of keep-alive HTTP/1.1 connections for the load driver: each connection runs one
 * request at a time and takes the next from one queue. It does only what a load driver
 * needs against its own server (content-length, chunked and close-delimited bodies; no
 * pipelining, redirects, upgrades or TLS), and so costs about half of undici's CPU per request:
 * undici's parser calls back into JavaScript for every header line, and each reused socket waits
 * one event-loop turn before it writes. With the driver and the server sharing two cores, that
 * difference is throughput taken from the server under test.
 *
 * A connection idle for longer than the server keeps it (its `Keep-Alive: timeout`, less a
 * second) is closed rather than reused, so a request is never written into a socket the server
 * is closing. A request that fails is answered with an error and never retried.
 */
export class Http1Pool {
  private readonly queue = new Fifo<Pending>()
  private readonly idle: Connection[] = []
  private readonly all: Connection[] = []
  private readonly sweeper: NodeJS.Timeout
  private destroyed = false
  private closed: (() => void) | null = null
  readonly hostHeader: string

  constructor(
    readonly origin: URL,
    readonly options: { connections: number; timeoutMs: number; connectTimeoutMs: number },
  ) {
    if (origin.protocol !== 'http:') throw new Error(`this pool speaks plain http, not ${origin.protocol}`)
    this.hostHeader = origin.host
    for (let i = 0; i < options.connections; i++) {
      const connection = new Connection(this)
      this.all.push(connection)
      this.idle.push(connection)
    }
    // One sweep a second finds stalled responses: a timer per request would cost more than it saves.
    this.sweeper = setInterval(() => {
      const now = performance.now()
      for (const connection of this.all) connection.checkTimeout(now)
    }, 1000)
    this.sweeper.unref()
  }

  dispatch(request: Http1Request, handler: ResponseHandler): void {
    if (this.destroyed) {
      handler.onError(new Http1Error('POOL_DESTROYED', 'the pool was destroyed'))
      return
    }
    this.queue.push({ request, handler })
    this.idle.pop()?.take()
  }

  /** Called by a connection that is free: the next request, if any. */
  next(): Pending | undefined {
    return this.destroyed ? undefined : this.queue.shift()
  }

  release(connection: Connection): void {
    if (this.destroyed) return
    this.idle.push(connection)
    this.closeWhenDone()
  }

  /** Lets the queued and running requests finish, then closes every connection. */
  close(): Promise<void> {
    if (this.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      this.closed = resolve
      this.closeWhenDone()
    })
  }

  private closeWhenDone(): void {
    // A connection goes idle only when the queue is empty: all idle means nothing left to run.
    if (this.closed === null || this.idle.length < this.all.length) return
    const closed = this.closed
    this.closed = null
    this.destroy()
    closed()
  }

  /** Fails every queued and running request with `error` and closes every connection. */
  destroy(error: Error = new Http1Error('POOL_DESTROYED', 'the pool was destroyed')): void {
    if (this.destroyed) return
    this.destroyed = true
    clearInterval(this.sweeper)
    for (let pending = this.queue.shift(); pending; pending = this.queue.shift())
      pending.handler.onError(error)
    for (const connection of this.all) connection.destroy(error)
    this.idle.length = 0
  }
}

/** One socket of the pool and the response it is reading. */
class Connection {
  private socket: net.Socket | null = null
  private connected = false
  private current: Pending | null = null
  /** Bytes of the response not yet consumed, while it is incomplete. */
  private buffer: Buffer | null = null
  /** Where the body starts in `buffer` once the head has been read; -1 before. */
  private bodyStart = -1
  /** -1: chunked, or delimited by the server closing the connection. */
  private contentLength = -1
  private chunked = false
  private closeAfter = false
  private chunks: Buffer[] | null = null
  /** When the current request must have made progress by. */
  private deadline = 0
  /** Not to be reused after this moment: the server may be closing it. */
  private reuseUntil = 0

  constructor(private readonly pool: Http1Pool) {}

  /** Takes the next queued request, opening a socket first when needed. */
  take(): void {
    const pending = this.pool.next()
    if (!pending) {
      this.pool.release(this)
      return
    }
    this.current = pending
    if (this.socket !== null && this.connected && performance.now() > this.reuseUntil) this.close()
    if (this.socket === null) this.open()
    else if (this.connected) this.write()
  }

  private open(): void {
    const { hostname, port } = this.pool.origin
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) || 80 })
    socket.setNoDelay(true)
    this.socket = socket
    this.connected = false
    this.deadline = performance.now() + this.pool.options.connectTimeoutMs
    socket.on('connect', () => {
      if (this.socket !== socket) return
      this.connected = true
      if (this.current) this.write()
    })
    socket.on('data', (data: Buffer) => {
      if (this.socket === socket) this.read(data)
    })
    socket.on('end', () => {
      if (this.socket === socket) this.ended()
    })
    socket.on('error', (error) => {
      if (this.socket === socket) this.lost(error)
    })
    socket.on('close', () => {
      if (this.socket === socket) this.lost(new Http1Error('ECONNRESET', 'the server closed the connection'))
    })
  }

  private write(): void {
    const { request } = this.current as Pending
    const { headers, body } = request
    let head = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.pool.hostHeader}\r\n`
    if (headers)
      for (const name in headers) {
        const value = headers[name] as string
        if (unsafeValue.test(value) || unsafeValue.test(name)) {
          this.fail(new Http1Error('INVALID_HEADER', `invalid value for header ${name}`), false)
          return
        }
        head += `${name}: ${value}\r\n`
      }
    const { method } = request
    if (body !== undefined || method === 'POST' || method === 'PUT' || method === 'PATCH')
      head += `content-length: ${body === undefined ? 0 : Buffer.byteLength(body)}\r\n`
    this.deadline = performance.now() + this.pool.options.timeoutMs
    ;(this.socket as net.Socket).write(body === undefined ? `${head}\r\n` : `${head}\r\n${body}`)
  }

  private read(data: Buffer): void {
    if (this.current === null) {
      // Bytes nobody asked for: the connection cannot be trusted any more.
      this.close()
      return
    }
    this.deadline = performance.now() + this.pool.options.timeoutMs
    let buffer = this.buffer === null ? data : Buffer.concat([this.buffer, data])
    this.buffer = null
    while (this.bodyStart < 0) {
      const end = buffer.indexOf(headEnd)
      if (end < 0) {
        this.buffer = buffer
        return
      }
      const status = this.readHead(buffer, end)
      if (status === 0) return
      // 100 Continue and the like are not the answer: read on.
      if (status < 200) buffer = buffer.subarray(end + 4)
    }
    if (this.chunked) {
      this.readChunks(buffer)
      return
    }
    if (this.contentLength < 0) {
      this.buffer = buffer // Delimited by the server closing the connection.
      return
    }
    const end = this.bodyStart + this.contentLength
    if (buffer.length < end) {
      this.buffer = buffer
      return
    }
    if (this.contentLength > 0) this.current.handler.onData(buffer.subarray(this.bodyStart, end))
    this.complete(buffer.length > end)
  }

  /**
   * Parses the status line and the few headers the pool needs; answers the status, or 0 after
   * failing the request on a response that is not HTTP/1.x.
   */
  private readHead(buffer: Buffer, end: number): number {
    const head = buffer.toString('latin1', 0, end)
    const status = Number(head.slice(9, 12))
    if (!head.startsWith('HTTP/1.') || !(status >= 100 && status < 600)) {
      this.fail(new Http1Error('HTTP_PARSER', 'not an HTTP/1.x response'), true)
      return 0
    }
    if (status < 200) return status
    let contentLength = -1
    let chunked = false
    let close = head.startsWith('HTTP/1.0')
    let keepAliveMs = 4000
    for (let line = head.indexOf('\r\n') + 2; line > 1; ) {
      const next = head.indexOf('\r\n', line)
      const stop = next < 0 ? head.length : next
      const colon = head.indexOf(':', line)
      const length = colon - line
      // Four names matter; testing the length first skips most lines without lower-casing them.
      if (colon < stop && (length === 14 || length === 17 || length === 10)) {
        const name = head.slice(line, colon).toLowerCase()
        const value = head
          .slice(colon + 1, stop)
          .trim()
          .toLowerCase()
        if (name === 'content-length') contentLength = /^\d+$/.test(value) ? Number(value) : Number.NaN
        else if (name === 'transfer-encoding') chunked = value.endsWith('chunked')
        else if (name === 'connection') close = value === 'close' || (close && value !== 'keep-alive')
        else if (name === 'keep-alive') {
          const timeout = /timeout=(\d+)/.exec(value)
          if (timeout) keepAliveMs = Number(timeout[1]) * 1000
        }
      }
      line = next < 0 ? -1 : next + 2
    }
    if (Number.isNaN(contentLength)) {
      this.fail(new Http1Error('HTTP_PARSER', 'invalid content-length'), true)
      return 0
    }
    const { handler, request } = this.current as Pending
    const empty = request.method === 'HEAD' || status === 204 || status === 304
    this.bodyStart = end + 4
    this.chunked = chunked && !empty
    this.contentLength = empty ? 0 : this.chunked ? -1 : contentLength
    this.closeAfter = close || (this.contentLength < 0 && !this.chunked)
    this.reuseUntil = performance.now() + keepAliveMs - 1000
    handler.onHeaders(status)
    return status
  }

  /** Reads chunks from `bodyStart` on; keeps what is incomplete for the next read. */
  private readChunks(buffer: Buffer): void {
    const { handler } = this.current as Pending
    let offset = this.bodyStart
    for (;;) {
      const lineEnd = buffer.indexOf(crlf, offset)
      if (lineEnd < 0) break
      const size = Number.parseInt(buffer.toString('latin1', offset, lineEnd), 16)
      if (!(size >= 0)) {
        this.fail(new Http1Error('HTTP_PARSER', 'invalid chunk size'), true)
        return
      }
      if (size === 0) {
        // The last chunk, then trailers if any, then an empty line.
        const end =
          buffer.indexOf(crlf, lineEnd + 2) === lineEnd + 2
            ? lineEnd + 4
            : buffer.indexOf(headEnd, lineEnd + 2) + 4
        if (end < lineEnd + 4) break
        for (const chunk of this.chunks ?? []) handler.onData(chunk)
        this.complete(buffer.length > end)
        return
      }
      const dataEnd = lineEnd + 2 + size
      if (buffer.length < dataEnd + 2) break
      this.chunks ??= []
      this.chunks.push(buffer.subarray(lineEnd + 2, dataEnd))
      offset = dataEnd + 2
    }
    this.buffer = buffer.subarray(offset)
    this.bodyStart = 0
  }

  private complete(extraBytes: boolean): void {
    const { handler } = this.current as Pending
    const reuse = !this.closeAfter && !extraBytes
    this.reset()
    if (!reuse) this.close()
    handler.onComplete()
    this.take()
  }

  /** The server ended the connection: the end of a close-delimited body, or a failure. */
  private ended(): void {
    if (this.current === null) {
      this.close()
      return
    }
    if (this.bodyStart >= 0 && !this.chunked && this.contentLength < 0) {
      const { handler } = this.current
      const buffer = this.buffer
      const bodyStart = this.bodyStart
      this.reset()
      this.close()
      if (buffer !== null && buffer.length > bodyStart) handler.onData(buffer.subarray(bodyStart))
      handler.onComplete()
      this.take()
      return
    }
    this.lost(new Http1Error('ECONNRESET', 'the server closed the connection before it answered'))
  }

  /** The socket failed or closed under a request: the request fails, the next gets a new socket. */
  private lost(error: Error): void {
    this.socket?.destroy()
    this.socket = null
    this.connected = false
    if (this.current !== null) this.fail(error, false)
  }

  private fail(error: Error, closeSocket: boolean): void {
    const current = this.current
    this.reset()
    if (closeSocket) this.close()
    current?.handler.onError(error)
    this.take()
  }

  private reset(): void {
    this.current = null
    this.buffer = null
    this.bodyStart = -1
    this.contentLength = -1
    this.chunked = false
    this.closeAfter = false
    this.chunks = null
  }

  private close(): void {
    const socket = this.socket
    this.socket = null
    this.connected = false
    socket?.destroy()
  }

  checkTimeout(now: number): void {
    if (this.current === null || now < this.deadline) return
    const code = !this.connected ? 'CONNECT_TIMEOUT' : this.bodyStart < 0 ? 'HEADERS_TIMEOUT' : 'BODY_TIMEOUT'
    this.fail(new Http1Error(code, 'the server did not answer in time'), true)
  }

  destroy(error: Error): void {
    const current = this.current
    this.reset()
    this.close()
    current?.handler.onError(error)
  }
}
