import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** `npm run bench -- <name>`: runs bench/<name>.bench.ts, a script that prints its figures. */
const name = process.argv[2]
const file = new URL(`./${name}.bench.ts`, import.meta.url)
if (!name || !existsSync(file)) {
  console.error('usage: npm run bench -- <name>   (queue, sales or inspection)')
  process.exit(2)
}
const result = spawnSync(process.execPath, ['--import', 'tsx', file.pathname, ...process.argv.slice(3)], {
  stdio: 'inherit',
})
process.exit(result.status ?? 1)
