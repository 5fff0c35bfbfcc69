import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TimerWheel } from './timer.wheel.ts'

/** A wheel on a clock the test moves by hand; its own interval finds nothing due in between. */
function wheel() {
  let now = 1000
  const woken: string[] = []
  const timers = new TimerWheel(() => now, 10)
  const sleeper = (name: string) => ({ wake: () => woken.push(name) })
  return {
    timers,
    woken,
    sleeper,
    at(ms: number) {
      now = ms
      timers.wakeDue()
    },
  }
}

test('timer wheel: wakes each sleeper once, never early, in order of due time', () => {
  const w = wheel()
  w.timers.add(1000, w.sleeper('b'))
  w.timers.add(5, w.sleeper('a'))
  w.timers.add(1000, w.sleeper('b2'))
  w.timers.add(30_000, w.sleeper('c'))
  assert.equal(w.timers.size, 4)
  w.at(1004)
  assert.deepEqual(w.woken, [])
  w.at(1010)
  assert.deepEqual(w.woken, ['a'])
  w.at(1999)
  assert.deepEqual(w.woken, ['a'])
  w.at(2000)
  assert.deepEqual(w.woken, ['a', 'b', 'b2'])
  w.at(2000)
  assert.deepEqual(w.woken, ['a', 'b', 'b2'], 'woken once')
  w.at(40_000)
  assert.deepEqual(w.woken, ['a', 'b', 'b2', 'c'])
  assert.equal(w.timers.size, 0)
})

test('timer wheel: a delay that is not a positive number wakes at the next slot', () => {
  const w = wheel()
  w.timers.add(Number.NaN, w.sleeper('nan'))
  w.timers.add(-5, w.sleeper('negative'))
  w.at(1010)
  assert.deepEqual(w.woken, ['nan', 'negative'])
})

test('timer wheel: a sleeper added while others wake waits for its own time', () => {
  const w = wheel()
  w.timers.add(10, {
    wake: () => {
      w.woken.push('first')
      w.timers.add(0, w.sleeper('added'))
    },
  })
  w.at(1010)
  assert.deepEqual(w.woken, ['first'])
  w.at(1020)
  assert.deepEqual(w.woken, ['first', 'added'])
})

test('timer wheel: flush wakes everyone at once, earliest first, and leaves it empty', () => {
  const w = wheel()
  w.timers.add(20_000, w.sleeper('late'))
  w.timers.add(100, w.sleeper('soon'))
  w.timers.flush()
  assert.deepEqual(w.woken, ['soon', 'late'])
  assert.equal(w.timers.size, 0)
  w.at(100_000)
  assert.deepEqual(w.woken, ['soon', 'late'])
})
