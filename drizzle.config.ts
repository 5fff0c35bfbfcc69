import { defineConfig } from 'drizzle-kit'

// `npm run db:generate` writes a new SQL migration from the module tables; commit what it writes.
export default defineConfig({
  dialect: 'postgresql',
  schema: [
    './src/modules/accounts/accounts.tables.ts',
    './src/modules/events/events.tables.ts',
    './src/modules/sales/sales.tables.ts',
    './src/modules/outbox/outbox.tables.ts',
    './src/modules/waiting-room/queue.tables.ts',
    './src/modules/audit/audit.tables.ts',
  ],
  out: './drizzle',
})
