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
  child: ChildProcess
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>
  output: () => string
}

/**
 * Runs `breakwater serve` as a child process on a loopback port (a free one unless `env.PORT`
 * names it, as a restart on the same port does) and waits until it is ready.
 */
export async function startServerProcess(
  t: TestContext,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort()
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bw-data-'))
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, main, 'serve'], {
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
    rmSync(dataDir, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`)
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { url, child, exited, output: () => output }
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`server did not answer within 30 s:\n${output}`)
}
