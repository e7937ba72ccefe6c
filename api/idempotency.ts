import type { Keys } from '../shared/keys.js'
import type { RedisClient } from '../shared/redis.js'
import type { Secrets } from '../shared/secrets.js'

/** How long an Idempotency-Key is remembered. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000
/**
 * How long a claimed key waits for its request to finish. Far longer than a request can take (every wait in it is
 * bounded by a second or two), and short enough that a key left behind by a crashed process frees itself soon:
 * until then a retry with it is 409.
 */
export const IDEMPOTENCY_PENDING_MS = 60_000

export type Claim =
  | { readonly kind: 'new'; complete(status: number, verificationId: string): Promise<void>; abandon(): Promise<void> }
  | { readonly kind: 'replay'; readonly status: number; readonly verificationId: string }
  | { readonly kind: 'in_progress' }
  | { readonly kind: 'mismatch' }

/**
 * `Idempotency-Key` for creating verifications: the same key within 24 hours replays the first answer and sends
 * nothing. The record holds a keyed digest of the request and the verification id, never the number.
 * A key is claimed with SET NX before any work, for IDEMPOTENCY_PENDING_MS; the answer is then kept 24 hours. A
 * request that fails gives its key up so the caller may retry.
 */
export function createIdempotencyStore(deps: { redis: RedisClient; keys: Keys; secrets: Secrets; pendingMs?: number }) {
  const { redis, keys, secrets } = deps
  const pendingMs = deps.pendingMs ?? IDEMPOTENCY_PENDING_MS
  return {
    async claim(scope: string, idempotencyKey: string, fingerprint: string): Promise<Claim> {
      const key = keys.idempotency(secrets.digest('idempotency', `${scope}\0${idempotencyKey}`))
      const print = secrets.digest('idempotency-request', fingerprint)
      const claimed = await redis.set(key, `pending:${print}`, 'PX', pendingMs, 'NX')
      if (claimed === 'OK') {
        return {
          kind: 'new',
          async complete(status, verificationId) {
            await redis.set(key, `done:${print}:${status}:${verificationId}`, 'PX', IDEMPOTENCY_TTL_MS, 'XX')
          },
          async abandon() {
            await redis.del(key)
          },
        }
      }
      const stored = (await redis.get(key)) ?? ''
      // Expired between the two commands: as good as taken by someone else a moment ago.
      if (stored === '') return { kind: 'in_progress' }
      const [state, storedPrint, status, verificationId] = stored.split(':')
      if (storedPrint !== print) return { kind: 'mismatch' }
      if (state !== 'done' || status === undefined || verificationId === undefined) return { kind: 'in_progress' }
      return { kind: 'replay', status: Number(status), verificationId }
    },
  }
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>
