import type { TestContext } from 'node:test'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadConfig, settings } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/data/database.client.ts'
import { onTeardown } from './teardown.stack.ts'
import { testAdmin } from './test.data.ts'

// Who signs in lives with the test data; most tests take it from here with the app.
export { bearer, testAdmin } from './test.data.ts'

let template: Promise<Blob> | undefined

/**
 * One migrated embedded database per test process, as a tarball each app starts from: booting
 * PGlite and creating its cluster costs seconds on a busy machine, loading a copy a fraction.
 */
export function migratedPglite(): Promise<Blob> {
  template ??= (async () => {
    const database = await openDatabase({ url: null })
    try {
      await database.migrate()
      if (!database.dump) throw new Error('the embedded database cannot be dumped')
      return await database.dump()
    } finally {
      await database.close()
    }
  })()
  return template
}

/** Every rate limit off: one inject client stands for many people; the limits have tests of their own. */
export const noRateLimits: Record<string, string> = Object.fromEntries(
  [...settings.keys()].filter((key) => key.startsWith('RATE_LIMIT_')).map((key) => [key, '0']),
)

/**
 * Builds the whole app on an in-memory PGlite (or the environment given), ready for `app.inject`,
 * and closes it when the test ends.
 */
export async function build(
  t: TestContext | null,
  env: Record<string, string | undefined> = {},
  options: { logger?: FastifyServerOptions['logger'] } = {},
): Promise<FastifyInstance> {
  const config = loadConfig({
    DATA_DIR: ':memory:',
    LOG_LEVEL: 'silent',
    ADMIN_EMAIL: testAdmin.email,
    ADMIN_PASSWORD: testAdmin.password,
    ...noRateLimits,
    ...env,
  })
  const pgliteTemplate = config.databaseUrl || config.dataDir ? undefined : await migratedPglite()
  const app = await buildApp({ config, logger: options.logger ?? false, pgliteTemplate })
  if (t) onTeardown(t, () => app.close())
  await app.ready()
  return app
}

/** Polls `/readyz` until it answers 200, at most 50 times 100 ms apart; returns the last status. */
export async function waitUntilReady(app: FastifyInstance): Promise<number> {
  let status = 0
  for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
    status = (await app.inject('/readyz')).statusCode
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return status
}
