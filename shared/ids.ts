import { randomBytes } from 'node:crypto'
import { base32 } from './secrets.js'

/*
 * Verification ids: `ver_` + the number's bucket tag (4 characters of its keyed digest) + 26 random base32
 * characters (130 bits). The tag puts a verification in its number's Redis Cluster slot, whether a script starts
 * from the number or from the id (keys.ts). Valid as BullMQ job ids (no colon, not all digits).
 */

const TAG_LENGTH = 4
const VERIFICATION_ID = /^ver_[a-z2-7]{30}$/

/** The Redis Cluster bucket of a number, from its keyed digest. */
export function tagOfDigest(digest: string): string {
  return digest.slice(0, TAG_LENGTH)
}

/** The bucket a verification id was made in. */
export function tagOfId(id: string): string {
  return id.slice(4, 4 + TAG_LENGTH)
}

export function newVerificationId(numberDigest: string): string {
  return `ver_${tagOfDigest(numberDigest)}${base32(randomBytes(16))}`
}

export function isVerificationId(value: string): boolean {
  return VERIFICATION_ID.test(value)
}
