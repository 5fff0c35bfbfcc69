import { eq, sql } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'
import type { Standing } from '../../platform/security/account.standing.ts'
import { type UserRow, users } from './accounts.tables.ts'

const standingColumns = { tokenVersion: users.tokenVersion, role: users.role }
/** Every change that must end the account's sessions moves its token version on in the same write. */
const nextVersion = sql<number>`${users.tokenVersion} + 1`

/** Every query about accounts. */
export class AccountsRepository {
  constructor(private readonly db: Db) {}

  async findByEmail(email: string): Promise<UserRow | undefined> {
    const [row] = await guard(
      this.db.select().from(users).where(sql`lower(${users.email}) = lower(${email})`).limit(1),
    )
    return row
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const [row] = await guard(this.db.select().from(users).where(eq(users.id, id)).limit(1))
    return row
  }

  /** What the account's tokens must agree with; undefined when there is no such account. */
  async standingOf(id: string): Promise<Standing | undefined> {
    const [row] = await guard(this.db.select(standingColumns).from(users).where(eq(users.id, id)).limit(1))
    return row
  }

  /** Ends every session of the account; undefined when there is no such account. */
  async revokeTokens(id: string): Promise<Standing | undefined> {
    return this.change(id, {})
  }

  async setRole(id: string, role: UserRow['role']): Promise<Standing | undefined> {
    return this.change(id, { role })
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<Standing | undefined> {
    return this.change(id, { passwordHash })
  }

  /** Deletes the account; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const rows = await guard(this.db.delete(users).where(eq(users.id, id)).returning({ id: users.id }))
    return rows.length > 0
  }

  /** Inserts a user; returns undefined when the email is taken. */
  async insert(
    user: Pick<UserRow, 'email' | 'passwordHash' | 'role' | 'displayName'>,
  ): Promise<UserRow | undefined> {
    const [row] = await guard(this.db.insert(users).values(user).onConflictDoNothing().returning())
    return row
  }

  /** Creates the admin, or makes the existing account with that email an admin with that password. */
  async upsertAdmin(email: string, passwordHash: string): Promise<UserRow> {
    const existing = await this.findByEmail(email)
    if (existing) {
      const [row] = await guard(
        this.db
          .update(users)
          .set({ role: 'admin', passwordHash, tokenVersion: nextVersion })
          .where(eq(users.id, existing.id))
          .returning(),
      )
      if (!row) throw new Error('admin account vanished while being updated')
      return row
    }
    const row = await this.insert({ email, passwordHash, role: 'admin', displayName: 'Admin' })
    if (row) return row
    return this.upsertAdmin(email, passwordHash)
  }

  private async change(
    id: string,
    values: Partial<Pick<UserRow, 'role' | 'passwordHash'>>,
  ): Promise<Standing | undefined> {
    const [row] = await guard(
      this.db
        .update(users)
        .set({ ...values, tokenVersion: nextVersion })
        .where(eq(users.id, id))
        .returning(standingColumns),
    )
    return row
  }
}
