import fp from 'fastify-plugin'
import { StockLedger } from './stock.ledger.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The sales engine's stock: modules that put things on sale open their rows here. */
    stock: StockLedger
  }
}

/** The sales engine's stock ledger; registered before the modules whose items it counts. */
export const stockPlugin = fp(
  async (app) => {
    app.decorate('stock', new StockLedger(app.database.db))
  },
  { name: 'stock', dependencies: ['database'] },
)
