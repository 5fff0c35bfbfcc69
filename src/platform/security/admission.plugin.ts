import fp from 'fastify-plugin'
import { type Admission, type AdmissionRelease, AdmissionTokens } from './admission.tokens.ts'
import { deriveKey } from './secrets.store.ts'

/** Admission tokens and their release, shared by the waiting room (signs, counts) and sales (verifies, releases). */
export interface Admissions extends AdmissionRelease {
  /** Signs and verifies admission tokens, with the one admission-token key. */
  readonly tokens: AdmissionTokens
  /**
   * Names where admissions are counted against `maxActive` (the waiting room's shared state), once.
   * Until then, releasing one has nothing to hand back to.
   */
  countIn(counter: AdmissionRelease): void
}

declare module 'fastify' {
  interface FastifyInstance {
    admissions: Admissions
  }
}

/** Owns the admission-token key and the release of admissions; the waiting room and sales depend on it. */
export const admissionPlugin = fp<{ secret: string; clock?: () => number }>(
  async (app, { secret, clock }) => {
    let counter: AdmissionRelease | null = null
    app.decorate<Admissions>('admissions', {
      tokens: new AdmissionTokens(deriveKey(secret, 'admission-token'), clock),
      countIn(given) {
        if (counter) throw new Error('admissions are already counted elsewhere')
        counter = given
      },
      async release(admission: Pick<Admission, 'id' | 'eventId'>) {
        await counter?.release(admission)
      },
    })
  },
  { name: 'admission' },
)
