import { guardRedis, type RedisClient } from '../../platform/data/redis.client.ts'
import { queueKeys } from './queue.keys.ts'

/**
 * Where spent proof-of-work challenges are remembered until they expire, so that one solution
 * buys one join: in Redis when replicas share it, in this process when embedded.
 */
export interface ReplayStore {
  /** True the first time a challenge is claimed; false for every claim after, on any replica. */
  claim(eventId: string, challenge: string, expiresAtMs: number, nowMs: number): Promise<boolean>
}

/** SET NX with the challenge's remaining life: the first replica to set the key wins. */
export class RedisReplayStore implements ReplayStore {
  constructor(private readonly redis: RedisClient) {}

  async claim(eventId: string, challenge: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    const ttlMs = Math.max(1, expiresAtMs - nowMs)
    // Redis out of reach is a 503, as for the join itself: never a join let through unchecked.
    const set = await guardRedis(
      this.redis.set(queueKeys.powSpent(eventId, challenge), '1', 'PX', ttlMs, 'NX'),
    )
    return set === 'OK'
  }
}

/**
 * The embedded store: a map in claim order. Every challenge lives the same few minutes, so claim
 * order is close to expiry order and the expired ones are swept from the front, a few per claim.
 */
export class MemoryReplayStore implements ReplayStore {
  private readonly spent = new Map<string, number>()

  async claim(eventId: string, challenge: string, expiresAtMs: number, nowMs: number): Promise<boolean> {
    this.sweep(nowMs)
    const key = `${eventId}:${challenge}`
    const known = this.spent.get(key)
    if (known !== undefined && known > nowMs) return false
    this.spent.set(key, expiresAtMs)
    return true
  }

  get size(): number {
    return this.spent.size
  }

  private sweep(nowMs: number): void {
    for (const [key, expiresAt] of this.spent) {
      if (expiresAt > nowMs) return
      this.spent.delete(key)
    }
  }
}
