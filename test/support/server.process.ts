import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { freePort } from './redis.server.ts'
import { onTeardown } from './teardown.stack.ts'

const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const preload = fileURLToPath(new URL('../../src/telemetry.preload.ts', import.meta.url))

export interface ServerProcess {
  url: string
  /** The DATA_DIR it was given: a fresh temporary directory unless the environment names one. */
  dataDir: string
  child: ChildProcess
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  output: () => string
}

export interface SpawnOptions {
  /** The file-creation mask the server starts with, e.g. '000'; the test's own by default. */
  umask?: string
}

/**
 * Runs `breakwater serve` as a child process on a loopback port (a free one unless `env.PORT`
 * names it, as a restart on the same port does) and waits until it is ready.
 */
export async function startServerProcess(
  t: TestContext,
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const server = await spawnServerProcess(t, env, options)
  if (!(await answers(server))) throw new Error(`server exited early:\n${server.output()}`)
  return server
}

/**
 * How long a child server may take to become ready: as long as the server itself allows its
 * start-up work (START_TIMEOUT_MS), since a busy machine slows both alike.
 */
const readyWithinMs = Number(process.env.START_TIMEOUT_MS ?? 120_000)

/** Waits until the server is ready (true) or has exited (false), at most `readyWithinMs`. */
export async function answers(server: ServerProcess): Promise<boolean> {
  const deadline = Date.now() + readyWithinMs
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) return false
    try {
      // Bounded: a port held by something that never answers must not hang the poll.
      if ((await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(1000) })).ok) return true
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`server neither got ready nor exited within ${readyWithinMs / 1000} s:\n${server.output()}`)
}

/** Starts `breakwater serve` as a child process without waiting for it, for starts that should fail. */
export async function spawnServerProcess(
  t: TestContext,
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort()
  const tempDir = mkdtempSync(path.join(tmpdir(), 'bw-data-'))
  const dataDir = env.DATA_DIR ?? tempDir
  const args = ['--import', 'tsx', '--import', preload, main, 'serve']
  // The shell sets the mask, then becomes the server, so the child is still the server itself.
  const [command, commandArgs]: [string, string[]] = options.umask
    ? ['sh', ['-c', `umask ${options.umask} && exec "$0" "$@"`, process.execPath, ...args]]
    : [process.execPath, args]
  const child = spawn(command, commandArgs, {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  onTeardown(t, async () => {
    if (child.exitCode === null) child.kill('SIGKILL')
    await exited
    rmSync(tempDir, { recursive: true, force: true })
  })
  return { url: `http://127.0.0.1:${port}`, dataDir, child, exited, output: () => output }
}
