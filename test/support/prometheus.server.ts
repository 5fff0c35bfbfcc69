import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { freePort } from './redis.server.ts'
import { onTeardown } from './teardown.stack.ts'

const rulesDir = fileURLToPath(new URL('../../deploy/prometheus/', import.meta.url))

export interface PrometheusServer {
  url: string
  /** Runs an instant query; the result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>
}

/**
 * A real Prometheus on a loopback port scraping `target` every second, with the project's rules
 * loaded; with `bearer`, each scrape carries it as `Authorization: Bearer …` (as `METRICS_TOKEN` asks).
 */
export async function startPrometheus(
  t: TestContext,
  target: string,
  { bearer }: { bearer?: string } = {},
): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-prometheus-'))
  const port = await freePort()
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${path.join(rulesDir, 'slo.rules.yaml')}
  - ${path.join(rulesDir, 'red.rules.yaml')}
scrape_configs:
  - job_name: breakwater
    static_configs:
      - targets: ['${target}']
${bearer ? `    authorization:\n      type: Bearer\n      credentials: '${bearer}'\n` : ''}`,
  )
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  onTeardown(t, async () => {
    child.kill('SIGKILL')
    await exited
    rmSync(dir, { recursive: true, force: true })
  })
  const url = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited:\n${log}`)
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`)
      const body = (await response.json()) as { status: string; data: { result: [] }; error?: string }
      if (body.status !== 'success') throw new Error(`query ${promql} failed: ${body.error}`)
      return body.data.result
    },
  }
}
