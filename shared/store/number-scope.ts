import { tagOfDigest } from '../ids.js'
import type { Secrets } from '../secrets.js'
import type { ServiceRef } from '../services.js'

/**
 * Where a number's state lives for one service: its Redis Cluster bucket (`tag`, from the number's own digest, the
 * same in every service) and the digest naming its state in that service. The default service keeps the number's
 * plain digest, so state written before services existed is found again.
 */
export interface NumberScope {
  readonly tag: string
  /** the number's keyed digest, the same in every service (stored on its verifications as `nd`) */
  readonly digest: string
  /** names the number's state in this service */
  readonly scoped: string
}

export function numberScope(secrets: Pick<Secrets, 'numberDigest' | 'digest'>, service: ServiceRef, e164: string): NumberScope {
  const digest = secrets.numberDigest(e164)
  const scoped = service.builtIn === 'default' ? digest : secrets.digest('service-number', `${service.id}\0${e164}`)
  return { tag: tagOfDigest(digest), digest, scoped }
}
