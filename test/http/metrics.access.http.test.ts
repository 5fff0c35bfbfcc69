import assert from 'node:assert/strict'
import { test } from 'node:test'
import { build } from '../support/app.builder.ts'
import { freePort } from '../support/redis.server.ts'

// `app.inject` comes from 127.0.0.1 unless told otherwise; these say where each request comes from.
const outside = '203.0.113.7'
const token = 'metrics-token-0123456789abcdefABCDEF'

/** What an unknown path answers, for comparison: a refused /metrics must look the same. */
async function absentRoute(app: Awaited<ReturnType<typeof build>>, remoteAddress: string) {
  const {
    requestId: _id,
    instance: _instance,
    ...rest
  } = (await app.inject({ url: '/metrics/nowhere', remoteAddress })).json()
  return { ...rest, detail: 'No route for GET /metrics' }
}

test('/metrics on the main port is served to loopback and refused to anyone else as an absent route', async (t) => {
  const app = await build(t)
  for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
    const local = await app.inject({ url: '/metrics', remoteAddress })
    assert.equal(local.statusCode, 200, remoteAddress)
    assert.match(local.body, /process_cpu_seconds_total/)
  }
  for (const remoteAddress of [outside, '2001:db8::7', '10.0.0.5']) {
    const refused = await app.inject({ url: '/metrics', remoteAddress })
    assert.equal(refused.statusCode, 404, remoteAddress)
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
    const { requestId, instance, ...problem } = refused.json()
    assert.deepEqual(problem, await absentRoute(app, remoteAddress))
    assert.equal(instance, '/metrics')
    assert.doesNotMatch(refused.body, /process_cpu|breakwater_/)
  }
})

test('a proxy on this machine does not make the internet local: its X-Forwarded-For counts', async (t) => {
  const app = await build(t, { TRUST_PROXY: 'loopback' })
  const proxied = await app.inject({ url: '/metrics', headers: { 'x-forwarded-for': outside } })
  assert.equal(proxied.statusCode, 404)
  assert.equal((await app.inject({ url: '/metrics' })).statusCode, 200)
})

test('with METRICS_TOKEN, a request carrying it is served from anywhere; a wrong one is refused', async (t) => {
  const app = await build(t, { METRICS_TOKEN: token })
  const scrape = (authorization?: string) =>
    app.inject({ url: '/metrics', remoteAddress: outside, headers: authorization ? { authorization } : {} })
  const served = await scrape(`Bearer ${token}`)
  assert.equal(served.statusCode, 200)
  assert.match(served.body, /process_cpu_seconds_total/)
  assert.equal((await scrape(`bearer ${token}`)).statusCode, 200, 'the scheme is case-insensitive')
  for (const wrong of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`, token])
    assert.equal((await scrape(wrong)).statusCode, 404, String(wrong))
  // Loopback still needs no token on the main port.
  assert.equal((await app.inject('/metrics')).statusCode, 200)
})

test('METRICS_PORT serves metrics on a port of its own, and the main port no longer does', async (t) => {
  const port = await freePort()
  const app = await build(t, { METRICS_PORT: String(port) })
  assert.equal(await app.listenMetrics(), port)
  const scraped = await fetch(`http://127.0.0.1:${port}/metrics`)
  assert.equal(scraped.status, 200)
  assert.match(scraped.headers.get('content-type') ?? '', /^text\/plain/)
  assert.match(await scraped.text(), /process_cpu_seconds_total/)
  // Nothing else is served there: not the API, not the health checks.
  for (const path of ['/healthz', '/api/v1/events', '/metrics/x']) {
    const other = await fetch(`http://127.0.0.1:${port}${path}`)
    assert.equal(other.status, 404, path)
    assert.equal(other.headers.get('content-type'), 'application/problem+json; charset=utf-8')
    assert.equal((await other.json()).code, 'BW_ROUTE_NOT_FOUND')
  }
  assert.equal((await app.inject('/metrics')).statusCode, 404, 'not on the main port, even from loopback')
})

test('with METRICS_PORT and METRICS_TOKEN, the metrics port asks for the token too', async (t) => {
  const port = await freePort()
  const app = await build(t, { METRICS_PORT: String(port), METRICS_TOKEN: token })
  await app.listenMetrics()
  assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404)
  const withToken = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(withToken.status, 200)
  const mainPort = await app.inject({
    url: '/metrics',
    remoteAddress: outside,
    headers: { authorization: `Bearer ${token}` },
  })
  assert.equal(mainPort.statusCode, 200, 'the token opens the main port as well')
})

test('/docs and /openapi.json are served only with DOCS_ENABLED=true', async (t) => {
  const app = await build(t)
  for (const url of ['/docs', '/docs/', '/docs/static/index.html', '/openapi.json']) {
    const response = await app.inject(url)
    assert.equal(response.statusCode, 404, url)
    assert.equal(response.json().code, 'BW_ROUTE_NOT_FOUND', url)
  }
  // The document itself is still built, for `breakwater openapi`.
  assert.ok(Object.keys((app.swagger() as { paths: object }).paths).length > 0)
  const enabled = await build(t, { DOCS_ENABLED: 'true' })
  assert.equal((await enabled.inject('/docs/')).statusCode, 200)
  assert.equal((await enabled.inject('/openapi.json')).statusCode, 200)
})
