import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import Fastify from 'fastify'
import { webContentSecurityPolicy, webPlugin } from '../../src/modules/web/web.plugin.ts'
import { errorsPlugin } from '../../src/platform/http/errors.plugin.ts'
import { build } from '../support/app.builder.ts'

// A stand-in bundle, so this test needs no Vite build.
async function appWithBundle(t: import('node:test').TestContext) {
  const dist = mkdtempSync(path.join(tmpdir(), 'bw-web-'))
  mkdirSync(path.join(dist, 'assets'))
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Breakwater</title>')
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)')
  const app = Fastify({ logger: false })
  await app.register(errorsPlugin)
  app.get('/api/v1/thing', async () => ({ ok: true }))
  await app.register(webPlugin, { distDir: dist })
  t.after(async () => {
    await app.close()
    rmSync(dist, { recursive: true, force: true })
  })
  return app
}

test('the web app is served at / and for client-side routes, with assets beside it', async (t) => {
  const app = await appWithBundle(t)
  for (const url of ['/', '/events/00000000-0000-4000-8000-000000000000', '/admin', '/orders?x=1']) {
    const page = await app.inject(url)
    assert.equal(page.statusCode, 200, url)
    assert.match(page.headers['content-type'] as string, /text\/html/)
    assert.match(page.body, /<title>Breakwater<\/title>/)
  }
  const script = await app.inject('/assets/app.js')
  assert.equal(script.statusCode, 200)
  assert.match(script.headers['content-type'] as string, /javascript/)
  assert.deepEqual((await app.inject('/api/v1/thing')).json(), { ok: true })
})

test('unknown API paths and missing assets stay problem+json 404s', async (t) => {
  const app = await appWithBundle(t)
  for (const url of ['/api/v1/nope', '/api/v2', '/assets/gone.js', '/metrics/x']) {
    const response = await app.inject(url)
    assert.equal(response.statusCode, 404, url)
    assert.match(response.headers['content-type'] as string, /application\/problem\+json/, url)
    assert.equal(response.json().code, 'BW_ROUTE_NOT_FOUND')
  }
})

test('without a built bundle the API still starts and / is a 404', async (t) => {
  const app = Fastify({ logger: false })
  await app.register(errorsPlugin)
  await app.register(webPlugin, { distDir: path.join(tmpdir(), 'bw-web-absent') })
  t.after(() => app.close())
  assert.equal((await app.inject('/')).statusCode, 404)
})

/** The policy's directives by name, so a test can ask what one of them allows. */
function directives(header: unknown): Map<string, string[]> {
  assert.equal(typeof header, 'string', 'a Content-Security-Policy header')
  return new Map(
    (header as string)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name as string, values]),
  )
}

// Issue 15.12; without the policy web.plugin.ts sets on each file it sends, this fails.
test('the app and its assets carry a strict Content-Security-Policy: no inline script or style', async (t) => {
  const app = await appWithBundle(t)
  for (const url of ['/', '/admin', '/events/00000000-0000-4000-8000-000000000000', '/assets/app.js']) {
    const response = await app.inject(url)
    assert.equal(response.statusCode, 200, url)
    const policy = directives(response.headers['content-security-policy'])
    assert.deepEqual(policy.get('default-src'), ["'none'"], url)
    assert.deepEqual(policy.get('script-src'), ["'self'"], url)
    assert.deepEqual(policy.get('style-src'), ["'self'"], url)
    assert.deepEqual(policy.get('connect-src'), ["'self'"], url)
    assert.deepEqual(policy.get('object-src'), ["'none'"], url)
    assert.deepEqual(policy.get('base-uri'), ["'none'"], url)
    assert.deepEqual(policy.get('frame-ancestors'), ["'none'"], url)
    assert.doesNotMatch(response.headers['content-security-policy'] as string, /unsafe-|\*|https?:/, url)
  }
})

test('in the whole app, the web policy sits beside helmet headers and /docs keeps a policy of its own', async (t) => {
  const app = await build(t, { DOCS_ENABLED: 'true' })
  const docs = await app.inject('/docs')
  assert.equal(docs.statusCode, 200)
  assert.notEqual(docs.headers['content-security-policy'], webContentSecurityPolicy)
  const docsPolicy = directives(docs.headers['content-security-policy'])
  assert.ok(docsPolicy.get('script-src')?.includes("'self'"))
  assert.ok(!docsPolicy.get('script-src')?.includes("'unsafe-inline'"), 'no inline script on /docs either')
  // Over plain http by a name other than localhost, this would send every asset to https.
  assert.equal(docsPolicy.has('upgrade-insecure-requests'), false)
  const web = await app.inject('/')
  // The bundle is built by `npm install`; without it / is a 404 and only /docs can be checked.
  if (web.statusCode === 200) {
    assert.equal(web.headers['content-security-policy'], webContentSecurityPolicy)
    assert.equal(web.headers['x-content-type-options'], 'nosniff')
  }
})
