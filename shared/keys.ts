import { randomBytesPooled } from './random.js'
import { base32 } from './secrets.js'

/**
 * Every Redis key and id is built here.
 *
 * Store keys live under one hash tag per *number bucket*: `{prefix}:{tag}:n:{digest}` for a number's state and
 * `{prefix}:{tag}:v:{id}` for each verification of it. The tag is the first four characters of the number's keyed
 * digest, and a verification id carries the same four characters, so every script that touches a number and its
 * verifications stays in one Redis Cluster slot, whether it starts from the number or from the id.
 *
 * BullMQ's prefix is braced (`{prefix}`), so every queue key shares a slot, as BullMQ requires on a cluster.
 */
export interface Keys {
  readonly prefix: string
  /** BullMQ `prefix` option */
  readonly queuePrefix: string
  /** Hash holding one number's state: latest verification id, send window, cooldown, failed checks. */
  number(digest: string): string
  /** Hash holding one verification. */
  verification(id: string): string
  /** Prefix that turns a verification id into its key inside Lua (same slot as `number`). */
  verificationPrefix(tag: string): string
  numberPrefix(tag: string): string
  /**
   * Hourly counters shared by many numbers (per client IP, per country, global). They live in one slot of their
   * own, apart from the number buckets; see store/limits.ts for how the two steps combine.
   */
  ipCounter(ipDigest: string, hour: number): string
  countryCounter(country: string, hour: number): string
  globalCounter(hour: number): string
  /** An Idempotency-Key's record, named by a keyed digest of the key; tagged by that digest's first characters. */
  idempotency(digest: string): string
  /** Development only: the console provider's last messages, sealed, for the demo page's outbox. */
  devOutbox(): string
}

export const QUEUE_NAME = 'sms'
const TAG_LENGTH = 4
const ID_PATTERN = /^ver_[a-z2-7]{30}$/

export function createKeys(prefix: string): Keys {
  return {
    prefix,
    queuePrefix: `{${prefix}}`,
    number: (digest) => `${prefix}:{${tagOfDigest(digest)}}:n:${digest}`,
    verification: (id) => `${prefix}:{${tagOfId(id)}}:v:${id}`,
    verificationPrefix: (tag) => `${prefix}:{${tag}}:v:`,
    numberPrefix: (tag) => `${prefix}:{${tag}}:n:`,
    ipCounter: (ipDigest, hour) => `${prefix}:{${prefix}.limits}:ip:${ipDigest}:${hour}`,
    countryCounter: (country, hour) => `${prefix}:{${prefix}.limits}:cc:${country}:${hour}`,
    globalCounter: (hour) => `${prefix}:{${prefix}.limits}:all:${hour}`,
    idempotency: (digest) => `${prefix}:{i${digest.slice(0, TAG_LENGTH)}}:idem:${digest}`,
    devOutbox: () => `${prefix}:{${prefix}.dev}:outbox`,
  }
}

export function tagOfDigest(digest: string): string {
  return digest.slice(0, TAG_LENGTH)
}

export function tagOfId(id: string): string {
  return id.slice(4, 4 + TAG_LENGTH)
}

/** `ver_` + the number's bucket tag + 26 random base32 characters (130 bits). Valid as a BullMQ job id. */
export function newVerificationId(numberDigest: string): string {
  return `ver_${tagOfDigest(numberDigest)}${base32(randomBytesPooled(16))}`
}

export function isVerificationId(value: string): boolean {
  return ID_PATTERN.test(value)
}
