import { useState } from 'react'
import { AdminConsole } from '../admin/AdminConsole.tsx'
import { AdminLogin } from '../admin/AdminLogin.tsx'
import { loadSession, type Session } from '../api.ts'

/** The admin console: sign in, create events, steer each waiting room and watch the sale live. */
export function AdminPage() {
  const [session, setSession] = useState<Session | null>(() => {
    const s = loadSession()
    return s?.user.role === 'admin' ? s : null
  })
  if (!session) return <AdminLogin onSession={setSession} />
  return <AdminConsole session={session} onSignOut={() => setSession(null)} />
}
