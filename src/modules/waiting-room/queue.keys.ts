/**
 * Every Redis key of the waiting room. An event's keys share the hash tag `{ev:<id>}` so that its
 * Lua scripts run on one Redis Cluster node.
 */
export const queueKeys = {
  /** Hash: state, serving, last, rate, max, tick, credit, and pqseed and pqsize once the pre-queue is sealed. */
  meta: (eventId: string) => `{ev:${eventId}}:q:meta`,
  /** Hash: user id (16 bytes for a UUID) → number and issuedAt as two little-endian u32; the only per-waiting-user structure besides liveness bits. */
  users: (eventId: string) => `{ev:${eventId}}:q:users`,
  /** Sorted set: admission id scored by its expiry in ms. */
  admissions: (eventId: string) => `{ev:${eventId}}:q:adm`,
  /** Bitmap: bit n set when number n was seen polling during this bucket. */
  live: (eventId: string, bucket: number) => `{ev:${eventId}}:q:live:${bucket}`,
  /** String: a proof-of-work challenge already spent on a join, kept until the challenge expires. */
  powSpent: (eventId: string, challenge: string) => `{ev:${eventId}}:q:pow:${challenge}`,
  /** Set of event ids with a waiting room; a key of its own, not per event. */
  events: () => 'bw:q:events',
  /** The admission ticker's leader lease. */
  leader: () => 'bw:q:leader',
}
