import path from 'node:path'
import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import type { Config } from '../../config.ts'
import { type Database, openDatabase } from './database.client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    database: Database
  }
}

/** Where PGlite keeps its files; none when the data directory is in memory. */
export function pgliteDir(config: Pick<Config, 'dataDir'>): string | undefined {
  return config.dataDir ? path.join(config.dataDir, 'pgdata') : undefined
}

/** The relational store: PostgreSQL when `DATABASE_URL` is set, else PGlite migrated at start. */
export const databasePlugin = fp<{ config: Config; pgliteTemplate?: Blob }>(
  async (app, { config, pgliteTemplate }) => {
    const database = await openDatabase({
      url: config.databaseUrl,
      dataDir: pgliteDir(config),
      poolSize: config.databasePoolSize,
      onPoolError: (error) => app.log.warn({ err: error }, 'database connection lost'),
      pgliteTemplate,
    })
    if (database.kind === 'pglite') await database.migrate()
    app.decorate('database', database)
    app.addHook('onClose', () => database.close())

    new Gauge({
      name: 'breakwater_db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'],
      registers: [app.metrics],
      collect() {
        const stats = database.poolStats()
        this.set({ state: 'in_use' }, stats.total - stats.idle)
        this.set({ state: 'idle' }, stats.idle)
        this.set({ state: 'waiting' }, stats.waiting)
      },
    })
  },
  { name: 'database', dependencies: ['metrics'] },
)
