/** Something the timer wheel wakes once: a waiting user, or the resolve of a promise. */
export interface Sleeper {
  wake(): void
}

/**
 * One timer for every sleeper of a run: sleepers wait in buckets of `slotMs` by due time, and one
 * timer, set for the earliest bucket, wakes the buckets that have come due. A setTimeout per
 * waiting user costs a Timeout object and a timer-list entry each, plus a promise and closures
 * when awaited; with 300,000 users in line that was most of the driver's memory. A sleeper is
 * never woken early, and late by about a slot at most, which is nothing next to a poll interval
 * of a second or more.
 */
export class TimerWheel {
  private readonly slots = new Map<number, Sleeper[]>()
  /** The first slot not yet woken. */
  private next = 0
  private timer: NodeJS.Timeout | undefined
  /** The slot the timer is set for. */
  private timerSlot = Number.POSITIVE_INFINITY
  size = 0

  constructor(
    private readonly clock: () => number,
    private readonly slotMs = 10,
  ) {}

  /** Wakes `sleeper` once `ms` have passed. */
  add(ms: number, sleeper: Sleeper): void {
    const now = this.clock()
    if (this.size === 0) this.next = Math.max(this.next, Math.floor(now / this.slotMs))
    // As setTimeout does, a delay that is not a positive number means as soon as possible.
    const slot = Math.max(this.next, Math.ceil((now + (ms > 0 ? ms : 0)) / this.slotMs))
    const bucket = this.slots.get(slot)
    if (bucket) bucket.push(sleeper)
    else this.slots.set(slot, [sleeper])
    this.size++
    if (slot < this.timerSlot) this.schedule(slot, now)
  }

  /** Wakes every sleeper whose time has come; the wheel's own timer calls this. */
  wakeDue(): void {
    this.unschedule()
    const now = Math.floor(this.clock() / this.slotMs)
    while (this.next <= now && this.size > 0) {
      const slot = this.next++
      const bucket = this.slots.get(slot)
      if (!bucket) continue
      this.slots.delete(slot)
      this.size -= bucket.length
      for (const sleeper of bucket) sleeper.wake()
    }
    if (this.size === 0) return
    // The earliest bucket left, looked for a thousand slots ahead at most, then again from there.
    let slot = this.next
    while (!this.slots.has(slot) && slot < this.next + 1000) slot++
    if (slot < this.timerSlot) this.schedule(slot, this.clock())
  }

  /** Wakes every sleeper now, earliest first: the run has stopped. */
  flush(): void {
    this.unschedule()
    const slots = [...this.slots.keys()].sort((a, b) => a - b)
    for (const slot of slots) {
      const bucket = this.slots.get(slot)
      if (!bucket) continue
      this.slots.delete(slot)
      this.size -= bucket.length
      for (const sleeper of bucket) sleeper.wake()
    }
  }

  private schedule(slot: number, now: number): void {
    this.unschedule()
    this.timerSlot = slot
    // Ref'd, as the timers it replaces were: a run whose users are all waiting stays alive.
    this.timer = setTimeout(() => this.wakeDue(), Math.max(0, slot * this.slotMs - now))
  }

  private unschedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.timerSlot = Number.POSITIVE_INFINITY
  }
}
