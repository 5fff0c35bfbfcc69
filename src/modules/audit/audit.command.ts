import { parseArgs } from 'node:util'
import { sql } from 'drizzle-orm'
import type { Database } from '../../platform/data/database.client.ts'
import { AuditRepository } from './audit.repository.ts'
import { AuditLog } from './audit.service.ts'

export const auditHelp = `Usage: breakwater audit verify [--batch N]

Walks the audit log's hash chain from the first entry to the last, in batches of N entries
(5000), and says whether it is intact, with the hash of the last entry: keep that hash, since
entries cut off the end of the log leave no gap a later check could see.

Exit status: 0 when the chain is intact, 3 when it is broken (the first broken entry is named),
1 when the database cannot be read. The database is the one the server uses: DATABASE_URL, or
the embedded one in DATA_DIR (stop the server first: it holds that directory).`

export class AuditUsageError extends Error {}

/** Exit status of a chain found broken, apart from 1 for a command that could not run. */
export const brokenExitCode = 3

export interface AuditCommandIo {
  /** The database, or null when there is none to check (no embedded one in DATA_DIR). */
  open: () => Promise<Database | null>
  out: (line: string) => void
  /** Progress on a long chain; a terminal gets it as one line rewritten. */
  progress: (line: string) => void
}

/** `breakwater audit <verify>`. */
export async function auditCommand(argv: string[], io: AuditCommandIo): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    throw new AuditUsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    io.out(auditHelp)
    return 0
  }
  const [subcommand, ...extra] = positionals
  if (subcommand !== 'verify')
    throw new AuditUsageError(`choose a subcommand: verify${subcommand ? ` (not "${subcommand}")` : ''}`)
  if (extra.length > 0) throw new AuditUsageError(`unexpected argument "${extra[0]}"`)
  const batch = values.batch === undefined ? 5000 : Number(values.batch)
  if (!Number.isInteger(batch) || batch < 1 || batch > 1_000_000)
    throw new AuditUsageError('--batch must be a number from 1 to 1000000')

  const database = await io.open()
  if (!database) {
    io.out('no database to check: set DATABASE_URL, or DATA_DIR to the embedded one')
    return 1
  }
  try {
    const [table] = await database.rows<{ present: boolean }>(
      sql`SELECT to_regclass('audit_log') IS NOT NULL AS present`,
    )
    if (!table?.present) {
      io.out('no audit log in this database: run "breakwater migrate" first')
      return 1
    }
    const repository = new AuditRepository(database.db, true)
    const total = await repository.count()
    const log = new AuditLog(repository)
    const result = await log.verify({
      batch,
      progress: (checked) => io.progress(`checked ${checked} of ${total} entries`),
    })
    if (result.broken) {
      io.out(
        `audit log broken at entry ${result.broken.id}: ${result.broken.reason} (${result.checked} entries before it check out)`,
      )
      return brokenExitCode
    }
    io.out(`audit log intact: ${result.checked} entries, last hash ${result.head}`)
    return 0
  } finally {
    await database.close()
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, batch: { type: 'string' } },
  })
}
