import type { Clock } from './queue-state.types.ts'

interface Entry<T> {
  value: T
  loadedAt: number
}

/**
 * Values read from the database for the waiting room's hot paths (an event's settings, its stock
 * left). A value older than its time to live is replaced by one read per key; meanwhile a caller
 * waits at most `waitMs` for it and then takes what is known, so the ticker and the crowd's joins
 * never wait on a busy database for what they already know. Only a key never read waits for its
 * read, and concurrent reads of a key share one.
 */
export class RefreshingCache<T> {
  private readonly entries = new Map<string, Entry<T>>()
  private readonly reads = new Map<string, Promise<T>>()

  constructor(
    private readonly load: (key: string, known: T | undefined) => Promise<T>,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, waitMs = 0): Promise<T> {
    const entry = this.entries.get(key)
    if (entry && this.clock() - entry.loadedAt < this.ttlMs) return entry.value
    const reading = this.read(key, entry)
    if (!entry) return reading
    if (waitMs <= 0) return entry.value
    let timer: NodeJS.Timeout | undefined
    const known = new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(entry.value), waitMs)
    })
    return Promise.race([reading.catch(() => entry.value), known]).finally(() => clearTimeout(timer))
  }

  /** What is known now, fresh or not; undefined for a key never read. */
  peek(key: string): T | undefined {
    return this.entries.get(key)?.value
  }

  set(key: string, value: T): void {
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.entries.clear()
    this.entries.set(key, { value, loadedAt: this.clock() })
  }

  private read(key: string, entry: Entry<T> | undefined): Promise<T> {
    let reading = this.reads.get(key)
    if (!reading) {
      reading = this.load(key, entry?.value)
        .then((value) => {
          this.set(key, value)
          return value
        })
        .finally(() => this.reads.delete(key))
      this.reads.set(key, reading)
      // A refresh nobody awaits must not surface as an unhandled rejection; a first read's caller
      // gets the error from the promise it awaits.
      reading.catch(() => {})
    }
    return reading
  }
}
