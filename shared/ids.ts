import { randomBytes } from 'node:crypto'
import { base32 } from './secrets.js'

/*
 * A verification's identity is 16 bytes. Its first 20 bits are the number's bucket tag (the first four base32
 * characters of the number's keyed digest), which puts the verification in its number's Redis Cluster slot whether a
 * script starts from the number or from the id (keys.ts); the rest is random (102 bits once a UUID's version and
 * variant bits are set). Each surface writes the same bytes its own way:
 *
 *   /v1                 ver_ + 26 base32 characters   (the canonical form, used in Redis keys and job ids)
 *   /v2 (Twilio)        VE + 32 hex digits
 *   SignalWire MFA      a version-4 UUID
 *
 * Ids from before this layout (`ver_` + 30 characters: the tag, then 26 random ones) keep working where a
 * verification is named by its /v1 id.
 */

const TAG_LENGTH = 4
const CANONICAL = /^ver_[a-z2-7]{26}$/
const LEGACY = /^ver_[a-z2-7]{30}$/
const TWILIO_SID = /^VE[0-9a-f]{32}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The Redis Cluster bucket of a number, from its keyed digest (base32). */
export function tagOfDigest(digest: string): string {
  return digest.slice(0, TAG_LENGTH)
}

/** The bucket a verification id was made in (the same four characters in both the canonical and the old form). */
export function tagOfId(id: string): string {
  return id.slice(4, 4 + TAG_LENGTH)
}

/** A new verification id in the number's bucket. */
export function newVerificationId(numberDigest: string): string {
  const bytes = randomBytes(16)
  const tag = fromBase32(tagOfDigest(numberDigest))
  // The tag's 20 bits lead: bytes 0 and 1, and the high half of byte 2.
  bytes[0] = tag[0] ?? 0
  bytes[1] = tag[1] ?? 0
  bytes[2] = ((tag[2] ?? 0) & 0xf0) | ((bytes[2] ?? 0) & 0x0f)
  // UUID version 4 and RFC 4122 variant, so the MFA form is a well-formed UUID.
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  return `ver_${base32(bytes)}`
}

export function isVerificationId(value: string): boolean {
  return (CANONICAL.test(value) && bytesOf(value) !== undefined) || LEGACY.test(value)
}

/** `VE…` for /v2, or undefined for an id from before this layout (it has no such form). */
export function twilioSid(id: string): string | undefined {
  return bytesOf(id)?.toString('hex').replace(/^/, 'VE')
}

/** The MFA form: a UUID. */
export function uuidOf(id: string): string | undefined {
  const hex = bytesOf(id)?.toString('hex')
  return hex === undefined ? undefined : `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The canonical id of a `VE…` sid, or undefined when it is not one. */
export function fromTwilioSid(sid: string): string | undefined {
  return TWILIO_SID.test(sid) ? `ver_${base32(Buffer.from(sid.slice(2), 'hex'))}` : undefined
}

/** The canonical id of an MFA UUID, or undefined when it is not one of ours. */
export function fromUuid(uuid: string): string | undefined {
  const lower = uuid.toLowerCase()
  return UUID.test(lower) ? `ver_${base32(Buffer.from(lower.replace(/-/g, ''), 'hex'))}` : undefined
}

function bytesOf(id: string): Buffer | undefined {
  if (!CANONICAL.test(id)) return undefined
  const bytes = fromBase32(id.slice(4)).subarray(0, 16)
  // The last character carries three bits and two zero bits of padding: anything else is not an id we made.
  return bytes.length === 16 && base32(bytes) === id.slice(4) ? bytes : undefined
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 base32 (lowercase, unpadded) back to bytes; trailing bits that make no whole byte end the last one. */
function fromBase32(text: string): Buffer {
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch)
    if (v === -1) break
    value = ((value << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((value >>> bits) & 0xff)
    }
  }
  if (bits > 0) out.push((value << (8 - bits)) & 0xff)
  return Buffer.from(out)
}
