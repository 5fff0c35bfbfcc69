import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { build } from './app.builder.ts'
import { onTeardown } from './teardown.stack.ts'

/**
 * A fresh database on the PostgreSQL named by TEST_DATABASE_URL, dropped when the test ends, so
 * tests never share state. Returns its URL.
 */
export async function createTestDatabase(t: TestContext): Promise<string> {
  const base = process.env.TEST_DATABASE_URL
  if (!base) throw new Error('TEST_DATABASE_URL is not set')
  const name = `bw_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  onTeardown(t, async () => {
    const cleanup = new pg.Client({ connectionString: base })
    await cleanup.connect()
    try {
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    } finally {
      await cleanup.end()
    }
  })
  const url = new URL(base)
  url.pathname = `/${name}`
  return url.toString()
}

export const testTokenSecret = 'test-secret-test-secret-test-secret-0123'

/**
 * An api-role app without an admin account on the PostgreSQL database `url` (a fresh one when not
 * given), migrated; call it again with the same url for a second replica.
 */
export async function appOnPostgres(
  t: TestContext,
  env: Record<string, string> = {},
  url?: string,
): Promise<FastifyInstance> {
  const app = await build(t, {
    DATABASE_URL: url ?? (await createTestDatabase(t)),
    TOKEN_SECRET: testTokenSecret,
    ROLE: 'api',
    ADMIN_EMAIL: '',
    ADMIN_PASSWORD: '',
    ...env,
  })
  await app.database.migrate()
  return app
}
