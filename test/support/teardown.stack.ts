import type { TestContext } from 'node:test'

const stacks = new WeakMap<TestContext, (() => unknown)[]>()

/**
 * Runs `undo` when the test ends, last registered first, as Go's `t.Cleanup` does. `t.after` runs
 * hooks in the order they were registered, which tears a test's world down the wrong way round:
 * the database made first would be dropped under the app still running on it, and whatever the
 * app's background work had checked out would die mid-statement.
 */
export function onTeardown(t: TestContext, undo: () => unknown): void {
  let stack = stacks.get(t)
  if (!stack) {
    const fresh: (() => unknown)[] = []
    stacks.set(t, fresh)
    t.after(async () => {
      // Every step runs even when one fails; the first failure is the one reported.
      const failures: unknown[] = []
      for (let step = fresh.pop(); step; step = fresh.pop()) {
        try {
          await step()
        } catch (error) {
          failures.push(error)
        }
      }
      if (failures.length > 0) throw failures[0]
    })
    stack = fresh
  }
  stack.push(undo)
}
