import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** What a `queue.bench.ts --serve <kind>` child prints once it listens. */
export interface Served {
  port: number
  eventId?: string
  ticket?: string
}

const queueBench = fileURLToPath(new URL('./queue.bench.ts', import.meta.url))
const children: ChildProcess[] = []
// A failed run must not leave its servers behind.
process.on('exit', () => {
  for (const proc of children) if (proc.exitCode === null) proc.kill('SIGKILL')
})

/** Starts `queue.bench.ts --serve <kind>` in a child process and waits for its address. */
export async function serveChild(
  kind: 'bare' | 'app',
  env: Record<string, string>,
): Promise<{ served: Served; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', queueBench, '--serve', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_APP_REDIS_URL: '', ...env },
  })
  children.push(proc)
  const served = await new Promise<Served>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => reject(new Error(`${kind} did not start in 60 s`)), 60_000)
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split('\n').find((l) => l.startsWith('{'))
      if (line) {
        clearTimeout(timer)
        resolve(JSON.parse(line))
      }
    })
    proc.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)))
  })
  return { served, proc }
}

/** Stops every child started here. */
export function stopChildren(): void {
  for (const proc of children) if (proc.exitCode === null) proc.kill('SIGTERM')
}
