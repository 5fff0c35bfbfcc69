import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { tiers } from '../test/test.tiers.ts'
import { settings } from './config.ts'

/** The README is a newcomer's first page: its tables must say what the code does. */

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

/** The rows of the first Markdown table after `heading`, as arrays of trimmed cells. */
function tableAfter(heading: string): string[][] {
  const start = readme.indexOf(heading)
  assert.ok(start >= 0, `README has no "${heading}"`)
  const lines = readme.slice(start).split('\n')
  const first = lines.findIndex((line) => line.startsWith('|'))
  const rows: string[][] = []
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    )
  }
  return rows
}

const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string)

test('the README lists every setting of src/config.ts, with its default, and no other', () => {
  const documented = new Map<string, string>()
  for (const [keys, fallback] of tableAfter('## Configuration'))
    for (const key of names(keys ?? '')) documented.set(key, fallback ?? '')
  assert.deepEqual([...documented.keys()].sort(), [...settings.keys()].sort())
  for (const [key, fallback] of settings) {
    const cell = documented.get(key) ?? ''
    // A default that is a value the reader could type is written as that value.
    if (typeof fallback === 'number' || (typeof fallback === 'string' && fallback !== ''))
      assert.equal(cell, `\`${fallback}\``, `${key}: the README says ${cell}, the code ${fallback}`)
  }
})

test('the README lists every test tier, in the order npm test runs them', () => {
  const documented = tableAfter('`npm test` runs every test tier').map(([name]) => names(name ?? '')[0])
  assert.deepEqual(
    documented,
    tiers.map((tier) => tier.name),
  )
})

test('the README names the Node.js version that package.json requires', () => {
  const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  const least = /^>=(\d+\.\d+)/.exec(engines.node)?.[1]
  assert.ok(least, engines.node)
  assert.match(readme, new RegExp(`Node\\.js 20 \\(${least.replace('.', '\\.')} or later`))
})
