import type { Keys } from './keys.js'
import type { RedisClient } from './redis.js'
import type { Secrets } from './secrets.js'

export interface OutboxEntry {
  /** masked, e.g. +1201*****23 */
  readonly to: string
  readonly body: string
  readonly sentAt: string
}

const KEEP = 20
const TTL_MS = 3_600_000
/** the seal's associated data: outbox entries cannot be passed off as anything else */
const SEAL_SCOPE = 'dev-outbox'

/**
 * Development only (console provider, never in production): the last SMS "sent", so the demo page can show a
 * newcomer their code without a phone. Entries are sealed like everything else in Redis, kept 20 at most for an hour.
 */
export function createDevOutbox(deps: { redis: RedisClient; keys: Keys; secrets: Secrets }) {
  const { redis, keys, secrets } = deps
  const key = keys.devOutbox()
  return {
    async push(entry: OutboxEntry): Promise<void> {
      await redis.multi().lpush(key, secrets.seal(SEAL_SCOPE, JSON.stringify(entry))).ltrim(key, 0, KEEP - 1).pexpire(key, TTL_MS).exec()
    },
    async list(): Promise<OutboxEntry[]> {
      const sealed = await redis.lrange(key, 0, KEEP - 1)
      const entries: OutboxEntry[] = []
      for (const item of sealed) {
        try {
          const parsed = JSON.parse(secrets.open(SEAL_SCOPE, item)) as Partial<OutboxEntry>
          if (typeof parsed.to === 'string' && typeof parsed.body === 'string' && typeof parsed.sentAt === 'string') {
            entries.push({ to: parsed.to, body: parsed.body, sentAt: parsed.sentAt })
          }
        } catch {
          // sealed with another SECRET_KEY: skip
        }
      }
      return entries
    },
  }
}

export type DevOutbox = ReturnType<typeof createDevOutbox>
