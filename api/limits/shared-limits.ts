import type { Config } from '../../shared/config/index.js'
import type { Keys } from '../../shared/keys.js'
import { Script } from '../../shared/lua-script.js'
import type { RedisClient } from '../../shared/redis.js'
import type { Secrets } from '../../shared/secrets.js'

/*
 * Send limits shared by many numbers: per client IP, per country and global, each per clock hour.
 *
 * These counters cannot sit in the same Redis Cluster slot as every number bucket, so a send is decided in two
 * atomic steps: this one reserves a place under every shared limit (all or nothing, one script), then the store's
 * create script applies the per-number limits and writes the verification. When the second step refuses, the
 * reservation is given back. No race lets a send through above a limit; at worst, a request racing a refund is
 * refused while the counter is one too high for a moment.
 */

const HOUR_MS = 3_600_000

export type SharedLimitReason = 'ip_window' | 'country_window' | 'global_window'

export interface Reservation {
  /** gives the places back (the send did not happen) */
  release(): Promise<void>
}

export type ReserveResult =
  | { readonly kind: 'reserved'; readonly reservation: Reservation }
  | { readonly kind: 'limited'; readonly reason: SharedLimitReason; readonly retryAfterSeconds: number }

const reserveScript = Script.load(new URL('./reserve-places.lua', import.meta.url))
const releaseScript = Script.load(new URL('./release-places.lua', import.meta.url))

const REASONS: readonly SharedLimitReason[] = ['ip_window', 'country_window', 'global_window']

export interface SharedLimitsDeps {
  readonly redis: RedisClient
  readonly keys: Keys
  readonly secrets: Secrets
  readonly config: Pick<Config, 'limits'>
  readonly now: () => number
}

export function createSharedLimits(deps: SharedLimitsDeps) {
  const { redis, keys, secrets, config } = deps
  const limits = config.limits

  function countryLimit(country: string): number {
    return limits.countrySendsPerHour[country] ?? limits.countrySendsPerHour['*'] ?? 0
  }

  return {
    /** Whether any shared limit is configured at all (no Redis step when none is). */
    active(ip: string | undefined): boolean {
      return (ip !== undefined && limits.ipSendsPerHour > 0) || Object.keys(limits.countrySendsPerHour).length > 0 || limits.globalSendsPerHour > 0
    },

    /** Takes one place under each configured limit, or none if any is full. `ip` only for public routes. */
    async reserve(input: { readonly ip: string | undefined; readonly country: string }): Promise<ReserveResult> {
      const now = deps.now()
      const hour = Math.floor(now / HOUR_MS)
      const perLimit = [input.ip === undefined ? 0 : limits.ipSendsPerHour, countryLimit(input.country), limits.globalSendsPerHour]
      const counterKeys = [
        keys.ipCounter(input.ip === undefined ? '-' : secrets.digest('ip', input.ip), hour),
        keys.countryCounter(input.country, hour),
        keys.globalCounter(hour),
      ]
      const reply = await reserveScript.run(redis, counterKeys, [...perLimit, HOUR_MS + 60_000])
      if (!Array.isArray(reply)) throw new Error('unexpected reserve reply')
      if (reply[0] === 'limited') {
        const reason = REASONS[Number(reply[1]) - 1] ?? 'global_window'
        return { kind: 'limited', reason, retryAfterSeconds: Math.max(1, Math.ceil(((hour + 1) * HOUR_MS - now) / 1000)) }
      }
      const held = counterKeys.filter((_, i) => (perLimit[i] ?? 0) > 0)
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
