import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import { test } from 'node:test'
import { Http1Pool, type Http1Request } from './http1.pool.ts'

type Outcome = { status: number; body: string } | { error: string }

function send(pool: Http1Pool, request: Http1Request): Promise<Outcome> {
  return new Promise((resolve) => {
    let status = 0
    const chunks: Buffer[] = []
    pool.dispatch(request, {
      onHeaders: (s) => {
        status = s
        return true
      },
      onData: (chunk) => {
        chunks.push(Buffer.from(chunk))
        return true
      },
      onComplete: () => resolve({ status, body: Buffer.concat(chunks).toString() }),
      onError: (error) => resolve({ error: (error as { code?: string }).code ?? error.message }),
    })
  })
}

/** A server that answers each request with `respond(request text)`, written as the test says. */
async function rawServer(
  t: { after(fn: () => unknown): void },
  respond: (request: string, socket: net.Socket) => void,
): Promise<{ url: URL; connections: () => number }> {
  let connections = 0
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let pending = ''
    socket.on('data', (data) => {
      pending += data.toString('latin1')
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end)
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0)
        if (pending.length < end + 4 + length) break
        respond(pending.slice(0, end + 4 + length), socket)
        pending = pending.slice(end + 4 + length)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  const { port } = server.address() as net.AddressInfo
  return { url: new URL(`http://127.0.0.1:${port}`), connections: () => connections }
}

const options = { connections: 2, timeoutMs: 5000, connectTimeoutMs: 5000 }

test('http1 pool: requests as written, content-length bodies, keep-alive reuse', async (t) => {
  const seen: string[] = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      seen.push(`${request.method} ${request.url} ${request.headers['x-queue-ticket'] ?? ''} ${body}`)
      response.writeHead(request.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ path: request.url, é: 'ü' }))
    })
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  let connections = 0
  server.on('connection', () => connections++)
  const pool = new Http1Pool(
    new URL(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`),
    options,
  )
  t.after(() => pool.destroy())

  assert.deepEqual(await send(pool, { method: 'POST', path: '/join', body: '{"n":"ß"}' }), {
    status: 201,
    body: '{"path":"/join","é":"ü"}',
  })
  const many = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      send(pool, { method: 'GET', path: `/status/${i}`, headers: { 'x-queue-ticket': `t${i}` } }),
    ),
  )
  assert.deepEqual(
    many.map((outcome) => ('status' in outcome ? outcome.status : outcome.error)),
    Array(20).fill(200),
  )
  assert.equal(seen[0], 'POST /join  {"n":"ß"}')
  assert.ok(seen.includes('GET /status/7 t7 '))
  assert.ok(connections <= 2, `at most two connections, not ${connections}`)
})

test('http1 pool: chunked bodies, split reads, 100 Continue and close-delimited bodies', async (t) => {
  const server = await rawServer(t, (request, socket) => {
    const path = request.split(' ')[1]
    if (path === '/chunked')
      socket.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n',
      )
    else if (path === '/trailers')
      socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n')
    else if (path === '/split') {
      // Byte by byte: every boundary of the head and the body falls between two reads.
      const text = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nsplit apart'
      socket.setNoDelay(true)
      let i = 0
      const next = () => {
        if (i < text.length) socket.write(text[i++] as string, () => setTimeout(next, 1))
      }
      next()
    } else if (path === '/continue')
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}')
    else if (path === '/until-close') socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it')
    else socket.write('HTTP/1.1 204 No Content\r\n\r\n')
  })
  const pool = new Http1Pool(server.url, options)
  t.after(() => pool.destroy())
  assert.deepEqual(await send(pool, { method: 'GET', path: '/chunked' }), {
    status: 200,
    body: 'hello, world',
  })
  assert.deepEqual(await send(pool, { method: 'GET', path: '/trailers' }), { status: 200, body: 'ok' })
  assert.deepEqual(await send(pool, { method: 'GET', path: '/split' }), { status: 200, body: 'split apart' })
  assert.deepEqual(await send(pool, { method: 'POST', path: '/continue' }), { status: 201, body: '{}' })
  assert.deepEqual(await send(pool, { method: 'GET', path: '/until-close' }), {
    status: 200,
    body: 'all of it',
  })
  assert.deepEqual(await send(pool, { method: 'DELETE', path: '/gone' }), { status: 204, body: '' })
})

test('http1 pool: a socket the server closed is not reused; a request cut mid-answer fails', async (t) => {
  const server = await rawServer(t, (request, socket) => {
    const path = request.split(' ')[1]
    if (path === '/cut') socket.destroy()
    else if (path === '/bye') {
      // Answers, then closes the idle connection a moment later, as a keep-alive timeout does.
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nbye')
      setTimeout(() => socket.end(), 20)
    } else if (path === '/short-keep-alive')
      socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok')
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  })
  const pool = new Http1Pool(server.url, { ...options, connections: 1 })
  t.after(() => pool.destroy())
  assert.deepEqual(await send(pool, { method: 'GET', path: '/bye' }), { status: 200, body: 'bye' })
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.deepEqual(await send(pool, { method: 'POST', path: '/after' }), { status: 200, body: 'ok' })
  assert.equal(server.connections(), 2, 'a new connection after the server closed the first')

  assert.deepEqual(await send(pool, { method: 'POST', path: '/cut' }), { error: 'ECONNRESET' })
  assert.deepEqual(await send(pool, { method: 'POST', path: '/next' }), { status: 200, body: 'ok' })

  // The server keeps idle connections for a second: the pool does not reuse one past that, less a margin.
  const before = server.connections()
  assert.deepEqual(await send(pool, { method: 'GET', path: '/short-keep-alive' }), {
    status: 200,
    body: 'ok',
  })
  assert.deepEqual(await send(pool, { method: 'GET', path: '/again' }), { status: 200, body: 'ok' })
  assert.equal(server.connections(), before + 1, 'a keep-alive of one second leaves no time to reuse it')
})

test('http1 pool: no server, no answer, bad answers, bad headers and a destroyed pool are errors', async (t) => {
  const closed = net.createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as net.AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const nobody = new Http1Pool(new URL(`http://127.0.0.1:${port}`), options)
  t.after(() => nobody.destroy())
  assert.deepEqual(await send(nobody, { method: 'GET', path: '/' }), { error: 'ECONNREFUSED' })
  assert.deepEqual(await send(nobody, { method: 'GET', path: '/' }), { error: 'ECONNREFUSED' })

  const server = await rawServer(t, (request, socket) => {
    const path = request.split(' ')[1]
    if (path === '/garbage') socket.write('SSH-2.0-OpenSSH\r\n\r\n')
    else if (path === '/bad-length') socket.write('HTTP/1.1 200 OK\r\nContent-Length: nine\r\n\r\n')
    else if (path !== '/silent') socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
  })
  const pool = new Http1Pool(server.url, { ...options, timeoutMs: 200 })
  assert.deepEqual(await send(pool, { method: 'GET', path: '/garbage' }), { error: 'HTTP_PARSER' })
  assert.deepEqual(await send(pool, { method: 'GET', path: '/bad-length' }), { error: 'HTTP_PARSER' })
  assert.deepEqual(await send(pool, { method: 'GET', path: '/silent' }), { error: 'HEADERS_TIMEOUT' })
  assert.deepEqual(
    await send(pool, { method: 'GET', path: '/', headers: { 'x-evil': 'a\r\nx-injected: 1' } }),
    {
      error: 'INVALID_HEADER',
    },
  )
  assert.deepEqual(await send(pool, { method: 'GET', path: '/' }), { status: 200, body: 'ok' })

  // Closing lets what is queued finish first; destroying fails it.
  const finishing = ['/a', '/b', '/c', '/d'].map((path) => send(pool, { method: 'GET', path }))
  await pool.close()
  assert.deepEqual(await Promise.all(finishing), Array(4).fill({ status: 200, body: 'ok' }))
  assert.deepEqual(await send(pool, { method: 'GET', path: '/' }), { error: 'POOL_DESTROYED' })

  const other = new Http1Pool(server.url, { ...options, timeoutMs: 200 })
  const queued = [1, 2, 3, 4].map(() => send(other, { method: 'GET', path: '/silent' }))
  other.destroy()
  assert.deepEqual(await Promise.all(queued), Array(4).fill({ error: 'POOL_DESTROYED' }))
  assert.deepEqual(await send(other, { method: 'GET', path: '/' }), { error: 'POOL_DESTROYED' })
})
