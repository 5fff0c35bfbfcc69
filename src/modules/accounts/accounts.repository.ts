import { eq, sql } from 'drizzle-orm'
import { type Db, guard } from '../../platform/data/database.client.ts'
import { type UserRow, users } from './accounts.tables.ts'

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
          .set({ role: 'admin', passwordHash })
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
}
