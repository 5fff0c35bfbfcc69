import fp from 'fastify-plugin'
import { AccountsRepository } from './accounts.repository.ts'
import { AccountsService } from './accounts.service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountsService
  }
}

/** The accounts service, shared with the CLI and other modules' routes. */
export const accountsPlugin = fp(
  async (app) => {
    app.decorate('accounts', new AccountsService(new AccountsRepository(app.database.db), app.accessTokens))
  },
  { name: 'accounts', dependencies: ['database', 'auth'] },
)
