/** `npm run bench -- <name>`: runs `bench/<name>.bench.ts`. */
const name = process.argv[2] ?? 'queue'
if (!/^[a-z-]+$/.test(name)) throw new Error(`bad benchmark name "${name}"`)
await import(`./${name}.bench.ts`)

export {}
