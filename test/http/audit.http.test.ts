import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sql } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import { bearer, build, testAdmin } from '../support/app.builder.ts'
import { createEvent } from '../support/test.data.ts'

interface Entry {
  id: number
  at: string
  actor: { id: string | null; role: string | null; ip: string | null }
  action: string
  target: string | null
  details: Record<string, unknown>
}

async function auditPage(app: FastifyInstance, query = '', admin?: { authorization: string }) {
  const response = await app.inject({
    url: `/api/v1/admin/audit${query}`,
    headers: admin ?? (await bearer(app, 'admin')),
  })
  assert.equal(response.statusCode, 200, response.body)
  return response.json() as { entries: Entry[]; next: number | null }
}

test('sign-ins, failed sign-ins, registrations, events created and room changes are recorded', async (t) => {
  const app = await build(t)
  const credentials = { email: 'fan@example.com', password: 'correct horse battery' }
  const registered = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: credentials })
  assert.equal(registered.statusCode, 201)
  const fanId = registered.json().user.id
  const wrong = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'Fan@Example.com', password: 'not the password' },
  })
  assert.equal(wrong.statusCode, 401)
  const admin = await bearer(app, 'admin')
  const eventId = await createEvent(app, admin, { name: 'Audited night' })
  for (const payload of [{ state: 'paused' }, { admissionRatePerSec: 7 }, { state: 'open', maxActive: 9 }]) {
    const changed = await app.inject({
      method: 'PATCH',
      url: `/api/v1/events/${eventId}/queue`,
      headers: admin,
      payload,
    })
    assert.equal(changed.statusCode, 200, changed.body)
  }

  const { entries } = await auditPage(app, '', admin)
  const adminId = entries.find((entry) => entry.action === 'auth.login' && entry.actor.role === 'admin')
    ?.actor.id
  assert.ok(adminId, 'the admin sign-in is recorded')
  // Newest first: read them back oldest first, without the admin's own sign-ins.
  const story = entries
    .toReversed()
    .filter((entry) => !(entry.action === 'auth.login' && entry.actor.id === adminId))
    .map(({ action, target, actor, details }) => ({ action, target, actor: actor.id, details }))
  assert.deepEqual(
    story.map(({ action, target, actor }) => ({ action, target, actor })),
    [
      { action: 'auth.registered', target: fanId, actor: fanId },
      { action: 'auth.login_failed', target: 'fan@example.com', actor: null },
      { action: 'event.created', target: eventId, actor: adminId },
      { action: 'queue.paused', target: eventId, actor: adminId },
      { action: 'queue.configured', target: eventId, actor: adminId },
      { action: 'queue.opened', target: eventId, actor: adminId },
    ],
  )
  assert.deepEqual(story[4]?.details, { admissionRatePerSec: 7 })
  assert.equal(story[2]?.details.name, 'Audited night')
  assert.equal(story[2]?.details.capacity, 10)
  for (const entry of entries) {
    assert.equal(entry.actor.ip, '127.0.0.1')
    assert.ok(!Number.isNaN(Date.parse(entry.at)))
  }
  // No password, hash or token is ever in the log.
  const stored = await app.database.rows<{ row: string }>(
    sql`SELECT to_jsonb(audit_log)::text AS row FROM audit_log`,
  )
  const text = stored.map((row) => row.row).join('\n')
  for (const secret of [
    credentials.password,
    'not the password',
    testAdmin.password,
    'accessToken',
    'scrypt',
  ])
    assert.equal(text.includes(secret), false, `the audit log holds "${secret}"`)
})

test('only admins read the audit log', async (t) => {
  const app = await build(t)
  const anonymous = await app.inject({ url: '/api/v1/admin/audit' })
  assert.equal(anonymous.statusCode, 401)
  const guest = await app.inject({ url: '/api/v1/admin/audit', headers: await bearer(app, 'guest') })
  assert.equal(guest.statusCode, 403)
  assert.equal(guest.json().code, 'BW_FORBIDDEN')
  const registered = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email: 'customer@example.com', password: 'correct horse battery' },
  })
  const customer = await app.inject({
    url: '/api/v1/admin/audit',
    headers: { authorization: `Bearer ${registered.json().accessToken}` },
  })
  assert.equal(customer.statusCode, 403)
})

test('keyset pages walk the log newest first without gaps or repeats, and filter by action', async (t) => {
  const app = await build(t)
  for (let i = 0; i < 23; i++)
    await app.audit.record({
      actor: { id: null, role: null, ip: '192.0.2.1' },
      action: 'test.step',
      details: { i },
    })
  await app.audit.record({ actor: { id: null, role: null, ip: null }, action: 'other.thing' })
  const admin = await bearer(app, 'admin')

  const seen: number[] = []
  let after: number | null = null
  let pages = 0
  do {
    const page: { entries: Entry[]; next: number | null } = await auditPage(
      app,
      `?action=test.step&limit=5${after === null ? '' : `&after=${after}`}`,
      admin,
    )
    assert.ok(page.entries.length <= 5)
    assert.ok(page.entries.every((entry) => entry.action === 'test.step'))
    seen.push(...page.entries.map((entry) => entry.details.i as number))
    after = page.next
    pages++
  } while (after !== null && pages < 10)
  assert.equal(pages, 5)
  assert.deepEqual(
    seen,
    Array.from({ length: 23 }, (_, i) => 22 - i),
  )

  const prefix = await auditPage(app, '?action=other.*', admin)
  assert.deepEqual(
    prefix.entries.map((entry) => entry.action),
    ['other.thing'],
  )
  const all = await auditPage(app, '?limit=200', admin)
  assert.ok(all.entries.length >= 25)
  assert.equal(all.next, null)
  for (const query of ['?limit=0', '?limit=201', '?after=0', '?action=DROP%20TABLE', '?action=a.*.b'])
    assert.equal(
      (await app.inject({ url: `/api/v1/admin/audit${query}`, headers: admin })).statusCode,
      400,
      query,
    )
})

test('the database refuses to change or remove an audit entry', async (t) => {
  const app = await build(t)
  await app.audit.record({ actor: { id: null, role: null, ip: null }, action: 'test.kept' })
  for (const statement of [
    sql`UPDATE audit_log SET action = 'test.changed'`,
    sql`DELETE FROM audit_log`,
    sql`TRUNCATE audit_log`,
  ])
    await assert.rejects(app.database.rows(statement), (error: Error & { cause?: { message?: string } }) =>
      /append-only/.test(`${error.message} ${error.cause?.message}`),
    )
  const [count] = await app.database.rows<{ n: number; actions: string[] }>(
    sql`SELECT count(*)::int AS n, array_agg(action) AS actions FROM audit_log WHERE action LIKE 'test.%'`,
  )
  assert.deepEqual(count, { n: 1, actions: ['test.kept'] })
})

test('audit verify finds an entry removed or changed behind the trigger, and names it', async (t) => {
  const app = await build(t)
  const ids: number[] = []
  for (let i = 0; i < 12; i++) {
    const entry = await app.audit.record({
      actor: { id: null, role: 'admin', ip: '198.51.100.7' },
      action: 'test.step',
      details: { i, nested: { b: [1, 2.5, 'x'], a: null } },
    })
    ids.push(entry.id)
  }
  const intact = await app.audit.verify({ batch: 5 })
  assert.equal(intact.broken, null)
  assert.ok(intact.checked >= 12)

  // The table's owner can lift the trigger; what they remove still shows.
  const victim = ids[6] as number
  await app.database.rows(sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`)
  await app.database.rows(sql`DELETE FROM audit_log WHERE id = ${victim}`)
  const removed = await app.audit.verify({ batch: 5 })
  assert.equal(removed.broken?.id, ids[7])
  assert.match(removed.broken?.reason ?? '', /missing or was changed/)

  const changed = ids[2] as number
  await app.database.rows(sql`UPDATE audit_log SET details = '{"i": 99}' WHERE id = ${changed}`)
  const edited = await app.audit.verify({ batch: 5 })
  assert.equal(edited.broken?.id, changed)
  assert.match(edited.broken?.reason ?? '', /does not match its contents/)

  // Removing the first entries shows too: the first one left names a predecessor.
  await app.database.rows(sql`DELETE FROM audit_log WHERE id <= ${changed}`)
  const headless = await app.audit.verify()
  assert.equal(headless.broken?.id, ids[3])
})

test('entries recorded at once are written together, each answered with its own place in one chain', async (t) => {
  const app = await build(t)
  const views = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      app.audit.record({ actor: { id: null, role: null, ip: null }, action: 'test.burst', details: { i } }),
    ),
  )
  assert.deepEqual(
    views.map((view) => view.details.i),
    Array.from({ length: 60 }, (_, i) => i),
  )
  assert.equal(new Set(views.map((view) => view.id)).size, 60)
  const result = await app.audit.verify({ batch: 7 })
  assert.equal(result.broken, null)
  assert.equal(result.head, views.toSorted((x, y) => x.id - y.id).at(-1)?.hash)
})
