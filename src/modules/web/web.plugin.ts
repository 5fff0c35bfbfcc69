import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Where `npm run web:build` (run by `npm install`) puts the bundle. */
export const webDistDir = fileURLToPath(new URL('../../../web/dist', import.meta.url))

/** Paths the single-page app must never answer, so their 404s stay problem+json (a missing
 * asset too: HTML in place of a stale script would hide the real error). */
const serverPaths = /^\/(api|assets|docs|openapi\.json|metrics|healthz|readyz)(\/|$|\?)/

/**
 * The Content-Security-Policy of the web app's pages and assets: its own scripts, styles and API,
 * nothing inline (Vite emits no inline script or style), nothing framed, no plugins, no other
 * origin. An injected script cannot run, so it cannot read the access token in localStorage;
 * Trusted Types refuse HTML strings fed to DOM sinks (React writes the DOM without them); the one
 * policy, `default`, lets a script URL of the bundle's own /assets/ through, for the waiting room's
 * proof-of-work worker (web/src/pow.ts), and creates no HTML or script.
 * /docs keeps swagger-ui's own policy, which hashes its inline scripts.
 */
export const webContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types default',
].join('; ')

/**
 * The web front end (waiting room, shop, admin console): the built bundle under `/`, and
 * index.html for any other GET so that client-side routes survive a reload.
 */
export async function webPlugin(app: FastifyInstance, opts: { distDir?: string } = {}): Promise<void> {
  const root = opts.distDir ?? webDistDir
  if (!existsSync(`${root}/index.html`)) {
    // Serving the API without a UI beats refusing to start; say how to get the UI.
    app.log.warn({ root }, 'web bundle not built; run `npm run web:build` to serve the UI at /')
    return
  }
  // Helmet sets the other security headers for every route; the policy is the app's own, so it is
  // set with each file this plugin sends (no per-request hook: those belong in the request gate).
  // wildcard false: one route per built file, found once at start, so unknown paths reach the
  // SPA fallback below instead of a static 404.
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    index: false,
    setHeaders: (reply) => reply.header('content-security-policy', webContentSecurityPolicy),
  })

  const sendIndex = (url: string, reply: import('fastify').FastifyReply) => {
    if (serverPaths.test(url)) return reply.callNotFound()
    // index.html names hashed assets; it must be revalidated so a deploy is picked up at once.
    return reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', webContentSecurityPolicy)
      .sendFile('index.html')
  }
  app.get('/', { schema: { hide: true } }, (request, reply) => sendIndex(request.url, reply))
  app.get('/*', { schema: { hide: true } }, (request, reply) => sendIndex(request.url, reply))
}
