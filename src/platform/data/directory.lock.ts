import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { StartupRefusal } from '../process/startup.refusal.ts'

/** Lock files this process holds: our own pid in one is alive only if it is among these. */
const heldHere = new Set<string>()

/**
 * Claims a directory for this process with a lock file beside it holding our pid, so that a second
 * server never opens the same embedded database files. A lock whose process is gone (killed, or
 * crashed) is stale and taken over.
 */
export function lockDirectory(directory: string): { release(): void } {
  const file = `${directory}.lock`
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file)) {
      heldHere.add(file)
      return {
        release() {
          heldHere.delete(file)
          if (holderOf(file) === process.pid) rmSync(file, { force: true })
        },
      }
    }
    const holder = holderOf(file)
    if (holder !== null && (heldHere.has(file) || isAlive(holder)))
      throw new StartupRefusal(
        `the embedded database in ${directory} is in use by process ${holder} (lock file ${file}): stop that server, or give this one another DATA_DIR`,
      )
    // Two servers taking over the same stale lock at the same instant could both win; starting
    // twice at once after a crash is the one case this does not cover.
    rmSync(file, { force: true })
  }
  throw new StartupRefusal(`could not take the lock file ${file}: other processes keep taking it`)
}

/** Creates the lock file whole or not at all: link() fails if it exists, and never shows it empty. */
function tryCreate(file: string): boolean {
  const draft = `${file}.${process.pid}`
  writeFileSync(draft, `${process.pid}\n`, { mode: 0o600 })
  try {
    linkSync(draft, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    rmSync(draft, { force: true })
  }
}

/** The pid in the lock file; null when there is no file or no pid in it. */
function holderOf(file: string): number | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return null
  }
  const pid = Number(text.trim())
  return Number.isInteger(pid) && pid > 0 ? pid : null
}

function isAlive(pid: number): boolean {
  // Our own pid in a file we do not hold is a lock left by an earlier life of this container.
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
