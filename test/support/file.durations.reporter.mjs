/**
 * A `node --test` reporter that writes, as one JSON object, how long each test file's top-level
 * tests took in all: the runner prints the slowest files at the end of a run. Plain JavaScript:
 * node loads reporters before the `tsx` loader.
 *
 * @param {AsyncIterable<{ type: string, data: { nesting?: number, file?: string, details?: { duration_ms?: number } } }>} source
 */
export default async function* fileDurations(source) {
  /** @type {Record<string, number>} */
  const durations = {}
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const { nesting, file, details } = event.data
    if (nesting !== 0 || !file) continue
    durations[file] = (durations[file] ?? 0) + (details?.duration_ms ?? 0)
  }
  yield JSON.stringify(durations)
}
