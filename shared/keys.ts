import { tagOfId } from './ids.js'

/**
 * Every Redis key the service uses is built here.
 *
 * Store keys live under one hash tag per *number bucket*: `{prefix}:{tag}:n:{digest}` for a number's state in one
 * service and `{prefix}:{tag}:v:{id}` for each verification of it. The tag is the first four characters of the
 * number's keyed digest, the same in every service, and a verification id carries the same four characters (ids.ts),
 * so every script that touches a number and its verifications stays in one Redis Cluster slot, whether it starts
 * from the number or from the id. The digest of the number's state is scoped to its service (store/number-scope.ts).
 *
 * BullMQ's prefix is braced (`{prefix}`), so every queue key shares a slot, as BullMQ requires on a cluster.
 */
export interface Keys {
  readonly prefix: string
  /** BullMQ `prefix` option */
  readonly queuePrefix: string
  /** Hash holding one number's state in one service: latest verification id, send window, cooldown, failed checks. */
  number(tag: string, scopedDigest: string): string
  /** Hash holding one verification (store/verification-record.ts). */
  verification(id: string): string
  /** Prefix that turns a verification id into its key inside Lua (same slot as `number`). */
  verificationPrefix(tag: string): string
  numberPrefix(tag: string): string
  /**
   * Hourly counters shared by many numbers (per client IP, per country, global). They live in one slot of their
   * own, apart from the number buckets; see api/limits/shared-limits.ts for how the two steps combine.
   */
  ipCounter(ipDigest: string, hour: number): string
  countryCounter(country: string, hour: number): string
  globalCounter(hour: number): string
  /** An Idempotency-Key's record, named by a keyed digest of the key; tagged by that digest's first characters. */
  idempotency(digest: string): string
  /** Development only: the console provider's last messages, sealed, for the demo page's outbox. */
  devOutbox(): string
  /**
   * Services created through /v2 and their rate limits, all in one slot of their own (few, small, read through a
   * cache): a service's settings, an account's services by creation time, a service's rate limits by unique name,
   * a rate limit, its buckets, a bucket.
   */
  service(serviceSid: string): string
  accountServices(accountSid: string): string
  serviceRateLimits(serviceSid: string): string
  rateLimit(rateLimitSid: string): string
  rateLimitBuckets(rateLimitSid: string): string
  bucket(bucketSid: string): string
  /** The count of one value (e.g. an end user's IP) against one bucket, per window; with the shared counters. */
  bucketCounter(bucketSid: string, valueDigest: string, window: number): string
  /**
   * The fraud guard's state (api/fraud/), all in one slot of its own: the sliding windows of a prefix and of a
   * country, the timeline of every send, the recent prefixes and countries, blocks, strikes, and the numbers that
   * were approved before (by keyed digest).
   */
  readonly fraud: {
    prefixWindow(prefix: string): string
    countryWindow(country: string): string
    timeline(): string
    recentPrefixes(): string
    recentCountries(): string
    block(prefix: string): string
    blocks(): string
    strikes(prefix: string): string
    approvedNumber(digest: string): string
  }
}

export const QUEUE_NAME = 'sms'
/** Calls have a queue of their own: a call holds its job for a minute or more, and must not hold up SMS. */
export const CALL_QUEUE_NAME = 'call'
/** Webhook events, apart from sends: a slow receiver must hold up nothing else. */
export const EVENTS_QUEUE_NAME = 'events'

export function createKeys(prefix: string): Keys {
  return {
    prefix,
    queuePrefix: `{${prefix}}`,
    number: (tag, scopedDigest) => `${prefix}:{${tag}}:n:${scopedDigest}`,
    verification: (id) => `${prefix}:{${tagOfId(id)}}:v:${id}`,
    verificationPrefix: (tag) => `${prefix}:{${tag}}:v:`,
    numberPrefix: (tag) => `${prefix}:{${tag}}:n:`,
    ipCounter: (ipDigest, hour) => `${prefix}:{${prefix}.limits}:ip:${ipDigest}:${hour}`,
    countryCounter: (country, hour) => `${prefix}:{${prefix}.limits}:cc:${country}:${hour}`,
    globalCounter: (hour) => `${prefix}:{${prefix}.limits}:all:${hour}`,
    idempotency: (digest) => `${prefix}:{i${digest.slice(0, 4)}}:idem:${digest}`,
    devOutbox: () => `${prefix}:{${prefix}.dev}:outbox`,
    service: (sid) => `${prefix}:{${prefix}.services}:svc:${sid}`,
    accountServices: (sid) => `${prefix}:{${prefix}.services}:acct:${sid}`,
    serviceRateLimits: (sid) => `${prefix}:{${prefix}.services}:svc:${sid}:rl`,
    rateLimit: (sid) => `${prefix}:{${prefix}.services}:rl:${sid}`,
    rateLimitBuckets: (sid) => `${prefix}:{${prefix}.services}:rl:${sid}:bl`,
    bucket: (sid) => `${prefix}:{${prefix}.services}:bl:${sid}`,
    bucketCounter: (sid, valueDigest, window) => `${prefix}:{${prefix}.limits}:rb:${sid}:${valueDigest}:${window}`,
    fraud: fraudKeys(`${prefix}:{${prefix}.fraud}`),
  }
}

function fraudKeys(base: string): Keys['fraud'] {
  return {
    prefixWindow: (p) => `${base}:p:${p}`,
    countryWindow: (c) => `${base}:c:${c}`,
    timeline: () => `${base}:timeline`,
    recentPrefixes: () => `${base}:recent:p`,
    recentCountries: () => `${base}:recent:c`,
    block: (p) => `${base}:block:${p}`,
    blocks: () => `${base}:blocks`,
    strikes: (p) => `${base}:strikes:${p}`,
    approvedNumber: (digest) => `${base}:ok:${digest}`,
  }
}
