import type { Config } from '../../shared/config/index.js'
import type { Keys } from '../../shared/keys.js'
import { Script } from '../../shared/lua-script.js'
import type { RedisClient } from '../../shared/redis.js'
import type { Secrets } from '../../shared/secrets.js'

/*
 * Send limits shared by many numbers: per client IP, per country and global, each per clock hour, and the buckets of
 * a /v2 service's rate limits, each over its own interval.
 *
 * These counters cannot sit in the same Redis Cluster slot as every number bucket, so a send is decided in two
 * atomic steps: this one reserves a place under every shared limit (all or nothing, one script), then the store's
 * create script applies the per-number limits and writes the verification. When the second step refuses, the
 * reservation is given back. No race lets a send through above a limit; at worst, a request racing a refund is
 * refused while the counter is one too high for a moment.
 */

const HOUR_MS = 3_600_000

export type SharedLimitReason = 'ip_window' | 'country_window' | 'global_window' | 'bucket'

export interface Reservation {
  /** gives the places back (the send did not happen) */
  release(): Promise<void>
}

/** A /v2 rate limit's bucket, counting one value (the `RateLimits` parameter of a create). */
export interface BucketLimit {
  readonly bucketSid: string
  readonly max: number
  readonly intervalSeconds: number
  readonly value: string
}

export type ReserveResult =
  | { readonly kind: 'reserved'; readonly reservation: Reservation }
  | { readonly kind: 'limited'; readonly reason: SharedLimitReason; readonly retryAfterSeconds: number }

const reserveScript = Script.load(new URL('./reserve-places.lua', import.meta.url))
const releaseScript = Script.load(new URL('./release-places.lua', import.meta.url))

export interface SharedLimitsDeps {
  readonly redis: RedisClient
  readonly keys: Keys
  readonly secrets: Secrets
  readonly config: Pick<Config, 'limits'>
  readonly now: () => number
}

interface Counter {
  readonly key: string
  readonly limit: number
  readonly windowEnd: number
  readonly reason: SharedLimitReason
}

export function createSharedLimits(deps: SharedLimitsDeps) {
  const { redis, keys, secrets, config } = deps
  const limits = config.limits

  function countryLimit(country: string): number {
    return limits.countrySendsPerHour[country] ?? limits.countrySendsPerHour['*'] ?? 0
  }

  return {
    /** Whether any shared limit applies at all (no Redis step when none does). */
    active(ip: string | undefined, buckets: readonly BucketLimit[] = []): boolean {
      return (
        (ip !== undefined && limits.ipSendsPerHour > 0) ||
        Object.keys(limits.countrySendsPerHour).length > 0 ||
        limits.globalSendsPerHour > 0 ||
        buckets.length > 0
      )
    },

    /** Takes one place under each limit that applies, or none if any is full. `ip` only for public routes. */
    async reserve(input: { readonly ip: string | undefined; readonly country: string; readonly buckets?: readonly BucketLimit[] }): Promise<ReserveResult> {
      const now = deps.now()
      const hour = Math.floor(now / HOUR_MS)
      const hourEnd = (hour + 1) * HOUR_MS
      const counters: Counter[] = [
        { key: keys.ipCounter(input.ip === undefined ? '-' : secrets.digest('ip', input.ip), hour), limit: input.ip === undefined ? 0 : limits.ipSendsPerHour, windowEnd: hourEnd, reason: 'ip_window' },
        { key: keys.countryCounter(input.country, hour), limit: countryLimit(input.country), windowEnd: hourEnd, reason: 'country_window' },
        { key: keys.globalCounter(hour), limit: limits.globalSendsPerHour, windowEnd: hourEnd, reason: 'global_window' },
        ...(input.buckets ?? []).map((b): Counter => {
          const intervalMs = b.intervalSeconds * 1000
          const window = Math.floor(now / intervalMs)
          return { key: keys.bucketCounter(b.bucketSid, secrets.digest('rate-limit', b.value), window), limit: b.max, windowEnd: (window + 1) * intervalMs, reason: 'bucket' }
        }),
      ]
      const args = counters.flatMap((c) => [c.limit, c.windowEnd - now + 60_000])
      const reply = await reserveScript.run(
        redis,
        counters.map((c) => c.key),
        args,
      )
      if (!Array.isArray(reply)) throw new Error('unexpected reserve reply')
      if (reply[0] === 'limited') {
        const full = counters[Number(reply[1]) - 1]
        if (full === undefined) throw new Error(`reserve script named counter ${String(reply[1])}`)
        return { kind: 'limited', reason: full.reason, retryAfterSeconds: Math.max(1, Math.ceil((full.windowEnd - now) / 1000)) }
      }
      const held = counters.filter((c) => c.limit > 0).map((c) => c.key)
      return {
        kind: 'reserved',
        reservation: {
          async release() {
            if (held.length > 0) await releaseScript.run(redis, held, [])
          },
        },
      }
    },
  }
}

export type SharedLimits = ReturnType<typeof createSharedLimits>
