import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Everything derived from SECRET_KEY. Three independent sub-keys (HKDF), so that a digest that names a phone
 * number in Redis keys cannot be confused with a code hash, and neither reveals the encryption key.
 */
export interface Secrets {
  /** Keyed digest of an E.164 number: names Redis keys without storing the number. base32, 26 chars. */
  numberDigest(e164: string): string
  /** Keyed digest of any other identifier that must not be stored as is (client IPs, idempotency keys). */
  digest(kind: string, value: string): string
  /**
   * Keyed hash of a code: what checks compare against. Bound to the number's bucket tag (known from the number and
   * from the verification id alike), so a check by number needs no extra round trip to learn the id first.
   */
  codeHash(bucket: string, code: string): string
  /** AES-256-GCM with the verification id as associated data; output is base64url(iv | tag | ciphertext). */
  seal(verificationId: string, plaintext: string): string
  /** Inverse of seal; throws when the blob was not sealed for this id with this key. */
  open(verificationId: string, sealed: string): string
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 base32, lowercase, unpadded: safe in Redis keys, URLs and BullMQ job ids. */
export function base32(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out
}

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'sms-two-factor-auth', purpose, 32))
}

export function createSecrets(secretKey: string): Secrets {
  const digestKey = derive(secretKey, 'number-digest')
  const hashKey = derive(secretKey, 'code-hash')
  const sealKey = derive(secretKey, 'seal')

  return {
    numberDigest(e164) {
      return base32(createHmac('sha256', digestKey).update(e164).digest().subarray(0, 16))
    },
    digest(kind, value) {
      return base32(createHmac('sha256', digestKey).update(`${kind}\0${value}`).digest().subarray(0, 16))
    },
    codeHash(bucket, code) {
      // 128 bits of the HMAC are plenty: the code space is at most 10^10 and the key is secret.
      return createHmac('sha256', hashKey).update(`${bucket}:${code}`).digest().subarray(0, 16).toString('base64url')
    },
    seal(verificationId, plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv)
      cipher.setAAD(Buffer.from(verificationId))
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
    },
    open(verificationId, sealed) {
      const raw = Buffer.from(sealed, 'base64url')
      if (raw.length < 28) throw new Error('sealed value is too short')
      const decipher = createDecipheriv('aes-256-gcm', sealKey, raw.subarray(0, 12))
      decipher.setAAD(Buffer.from(verificationId))
      decipher.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    },
  }
}

/** Constant-time string comparison for secrets of possibly different lengths (API keys). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(comparable(a), comparable(b))
}

/**
 * A fixed-length stand-in for a secret, for constant-time comparison: comparing two of these takes the same time
 * whatever the secrets' lengths and wherever they differ. Compute it once for a configured secret and once per
 * candidate, then compare with `timingSafeEqual`.
 */
export function comparable(secret: string): Buffer {
  return createHmac('sha256', 'compare').update(secret).digest()
}
