import { randomBytes } from 'node:crypto'
import type { Keys } from '../../shared/keys.js'
import type { RedisClient } from '../../shared/redis.js'

/*
 * A /v2 service's Rate Limits (a key the application meters, by unique name) and their Buckets (at most `max` per
 * `interval` seconds), stored as JSON values beside the services. The counting itself is the shared limits'
 * (api/limits/shared-limits.ts), one script with the other shared counters.
 */

export interface RateLimit {
  readonly sid: string
  readonly serviceSid: string
  readonly accountSid: string
  readonly uniqueName: string
  readonly description?: string
  readonly createdAt: number
  readonly updatedAt: number
}

export interface Bucket {
  readonly sid: string
  readonly rateLimitSid: string
  readonly serviceSid: string
  readonly accountSid: string
  readonly max: number
  /** seconds */
  readonly interval: number
  readonly createdAt: number
  readonly updatedAt: number
}

const sid = (prefix: string): string => `${prefix}${randomBytes(16).toString('hex')}`

export function createRateLimitStore(deps: { readonly redis: RedisClient; readonly keys: Keys; readonly now: () => number }) {
  const { redis, keys } = deps
  const json = <T>(raw: string | null): T | undefined => (raw === null ? undefined : (JSON.parse(raw) as T))

  async function list(serviceSid: string): Promise<RateLimit[]> {
    const sids = Object.values(await redis.hgetall(keys.serviceRateLimits(serviceSid)))
    if (sids.length === 0) return []
    const raws = await redis.mget(...sids.map((s) => keys.rateLimit(s)))
    return raws
      .map((r) => json<RateLimit>(r))
      .filter((r): r is RateLimit => r !== undefined)
      .sort((a, b) => a.createdAt - b.createdAt)
  }

  async function buckets(rateLimitSid: string): Promise<Bucket[]> {
    const sids = await redis.zrange(keys.rateLimitBuckets(rateLimitSid), 0, -1)
    if (sids.length === 0) return []
    return (await redis.mget(...sids.map((s) => keys.bucket(s)))).map((r) => json<Bucket>(r)).filter((b): b is Bucket => b !== undefined)
  }

  return {
    /** undefined when the service already has a rate limit of that unique name */
    async create(serviceSid: string, accountSid: string, uniqueName: string, description: string | undefined): Promise<RateLimit | undefined> {
      const now = deps.now()
      const limit: RateLimit = { sid: sid('RK'), serviceSid, accountSid, uniqueName, ...(description === undefined ? {} : { description }), createdAt: now, updatedAt: now }
      if ((await redis.hsetnx(keys.serviceRateLimits(serviceSid), uniqueName, limit.sid)) === 0) return undefined
      await redis.set(keys.rateLimit(limit.sid), JSON.stringify(limit))
      return limit
    },
    async get(serviceSid: string, rateLimitSid: string): Promise<RateLimit | undefined> {
      const limit = json<RateLimit>(await redis.get(keys.rateLimit(rateLimitSid)))
      return limit?.serviceSid === serviceSid ? limit : undefined
    },
    list,
    async update(limit: RateLimit, description: string | undefined): Promise<RateLimit> {
      const updated: RateLimit = { ...limit, ...(description === undefined ? {} : { description }), updatedAt: deps.now() }
      await redis.set(keys.rateLimit(limit.sid), JSON.stringify(updated))
      return updated
    },
    async delete(limit: RateLimit): Promise<void> {
      const bucketSids = await redis.zrange(keys.rateLimitBuckets(limit.sid), 0, -1)
      await redis
        .multi()
        .hdel(keys.serviceRateLimits(limit.serviceSid), limit.uniqueName)
        .del(keys.rateLimit(limit.sid), keys.rateLimitBuckets(limit.sid), ...bucketSids.map((s) => keys.bucket(s)))
        .exec()
    },
    /** Every rate limit of a service, with its buckets (for a create that names them in RateLimits). */
    async withBuckets(serviceSid: string): Promise<ReadonlyMap<string, readonly Bucket[]>> {
      const limits = await list(serviceSid)
      const out = new Map<string, readonly Bucket[]>()
      for (const limit of limits) out.set(limit.uniqueName, await buckets(limit.sid))
      return out
    },

    async createBucket(limit: RateLimit, max: number, interval: number): Promise<Bucket> {
      const now = deps.now()
      const bucket: Bucket = { sid: sid('BL'), rateLimitSid: limit.sid, serviceSid: limit.serviceSid, accountSid: limit.accountSid, max, interval, createdAt: now, updatedAt: now }
      await redis.multi().set(keys.bucket(bucket.sid), JSON.stringify(bucket)).zadd(keys.rateLimitBuckets(limit.sid), now, bucket.sid).exec()
      return bucket
    },
    async getBucket(limit: RateLimit, bucketSid: string): Promise<Bucket | undefined> {
      const bucket = json<Bucket>(await redis.get(keys.bucket(bucketSid)))
      return bucket?.rateLimitSid === limit.sid ? bucket : undefined
    },
    buckets,
    async updateBucket(bucket: Bucket, fields: { readonly max?: number; readonly interval?: number }): Promise<Bucket> {
      const updated: Bucket = { ...bucket, ...fields, updatedAt: deps.now() }
      await redis.set(keys.bucket(bucket.sid), JSON.stringify(updated))
      return updated
    },
    async deleteBucket(bucket: Bucket): Promise<void> {
      await redis.multi().del(keys.bucket(bucket.sid)).zrem(keys.rateLimitBuckets(bucket.rateLimitSid), bucket.sid).exec()
    },
  }
}

export type RateLimitStore = ReturnType<typeof createRateLimitStore>
