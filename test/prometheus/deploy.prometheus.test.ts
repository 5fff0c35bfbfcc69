import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const deploy = fileURLToPath(new URL('../../deploy/', import.meta.url))

test('promtool accepts the Prometheus configurations for compose and for a local run', () => {
  for (const file of ['prometheus.yml', 'prometheus.local.yml']) {
    const result = spawnSync('promtool', ['check', 'config', file], {
      cwd: path.join(deploy, 'prometheus'),
      encoding: 'utf8',
    })
    assert.equal(result.status, 0, `${file}: ${result.stdout}${result.stderr}`)
  }
})
