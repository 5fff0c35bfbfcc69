import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startupBanner } from './startup.banner.ts'

const facts = { version: '1.2.3', role: 'all', host: '0.0.0.0', port: 8080, admin: true, docs: true } as const

test('the banner gives the URL to open and the admin console, on one line', () => {
  assert.equal(
    startupBanner(facts),
    'Breakwater 1.2.3 is ready at http://localhost:8080 (admin console: http://localhost:8080/admin)',
  )
})

test('the banner shows the port bound and the host given, with IPv6 in brackets', () => {
  assert.match(
    startupBanner({ ...facts, host: '127.0.0.1', port: 41234 }),
    / at http:\/\/127\.0\.0\.1:41234 /,
  )
  assert.match(startupBanner({ ...facts, host: '::' }), / at http:\/\/localhost:8080 /)
  assert.match(startupBanner({ ...facts, host: '::1' }), / at http:\/\/\[::1\]:8080 /)
})

test('without an admin account the banner says how to get one', () => {
  assert.match(
    startupBanner({ ...facts, admin: false }),
    /set ADMIN_EMAIL and ADMIN_PASSWORD for an account\)$/,
  )
})

test('each role points at what it serves', () => {
  assert.match(
    startupBanner({ ...facts, role: 'gateway' }),
    /^Breakwater 1\.2\.3 \(gateway\) is ready .*\/admin\)$/,
  )
  assert.equal(
    startupBanner({ ...facts, role: 'api' }),
    'Breakwater 1.2.3 (api) is ready at http://localhost:8080/api/v1 (API docs: http://localhost:8080/docs)',
  )
  assert.equal(
    startupBanner({ ...facts, role: 'api', docs: false }),
    'Breakwater 1.2.3 (api) is ready at http://localhost:8080/api/v1',
  )
  assert.equal(
    startupBanner({ ...facts, role: 'worker' }),
    'Breakwater 1.2.3 (worker) is running (health: http://localhost:8080/healthz)',
  )
  for (const role of ['all', 'gateway', 'api', 'worker'] as const)
    assert.doesNotMatch(startupBanner({ ...facts, role }), /\n/)
})
