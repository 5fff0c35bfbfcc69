import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import type { TestContext } from 'node:test'
import { onTeardown } from './teardown.stack.ts'

/** A REDIS_URL on the shared TEST_REDIS_URL server with a key prefix of this test's own. */
export function testRedisUrl(): string {
  const base = process.env.TEST_REDIS_URL
  if (!base) throw new Error('TEST_REDIS_URL is not set')
  const prefix = `bwtest:${randomBytes(4).toString('hex')}:`
  return `${base}${base.includes('?') ? '&' : '?'}prefix=${encodeURIComponent(prefix)}`
}

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

export interface RedisServer {
  port: number
  url: string
  stop(): Promise<void>
  start(): Promise<void>
}

/** A redis-server of the test's own on a loopback port, which the test may stop and start again. */
export async function startRedisServer(t: TestContext, extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start in 10 s')), 10_000)
      child?.stdout?.on('data', (chunk: Buffer) => {
        if (/Ready to accept connections/.test(chunk.toString())) {
          clearTimeout(timer)
          resolve()
        }
      })
      child?.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
    })
  }
  const stop = async () => {
    const running = child
    child = null
    if (!running || running.exitCode !== null) return
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve())
      running.kill('SIGKILL')
    })
  }
  await start()
  onTeardown(t, stop)
  return { port, url: `redis://127.0.0.1:${port}`, stop, start }
}
