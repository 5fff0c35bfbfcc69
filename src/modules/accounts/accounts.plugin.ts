import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { AccountsRepository } from './accounts.repository.ts'
import { AccountsService } from './accounts.service.ts'
import { LoginThrottle } from './login.throttle.ts'
import { HashingSlots } from './password.hasher.ts'

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountsService
  }
}

/** The accounts service, shared with the CLI and other modules' routes. */
export const accountsPlugin = fp(
  async (app) => {
    const hashing = new HashingSlots()
    const repository = new AccountsRepository(app.database.db)
    // The auth guards check every signed-in account's token against the accounts table.
    app.accountStandings.readFrom((userId) => repository.standingOf(userId))
    app.decorate(
      'accounts',
      new AccountsService(repository, app.accessTokens, hashing, new LoginThrottle(), app.accountStandings),
    )
    new Gauge({
      name: 'breakwater_password_hashes',
      help: 'Password hashes of sign-ins and registrations, running or waiting for a slot',
      labelNames: ['state'],
      registers: [app.metrics],
      collect() {
        const { running, waiting } = hashing.load
        this.set({ state: 'running' }, running)
        this.set({ state: 'waiting' }, waiting)
      },
    })
  },
  { name: 'accounts', dependencies: ['database', 'auth', 'metrics'] },
)
