import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Everything derived from SECRET_KEY. Three independent sub-keys (HKDF), so that a digest that names a phone
 * number in Redis keys cannot be confused with a code hash, and neither reveals the encryption key.
 *
 * Rotation: with SECRET_KEY_PREVIOUS, what the previous key sealed still opens and what it hashed still checks,
 * while everything new uses SECRET_KEY. Sealed values and code hashes start with the id of the key that made them
 * (`<kid>.`); values from before key ids existed carry none and are tried with each key.
 */
export interface Secrets {
  /** Keyed digest of an E.164 number: names Redis keys without storing the number. base32, 26 chars. */
  numberDigest(e164: string): string
  /** Keyed digest of any other identifier that must not be stored as is (client IPs, idempotency keys). */
  digest(kind: string, value: string): string
  /**
   * Keyed hash of a code, `<kid>.<hash>`: what checks compare against. Bound to the number's bucket tag (known from
   * the number and from the verification id alike), so a check by number needs no extra round trip to learn the id.
   */
  codeHash(bucket: string, code: string): string
  /** AES-256-GCM with the verification id as associated data: `<kid>.` + base64url(iv | tag | ciphertext). */
  seal(verificationId: string, plaintext: string | Uint8Array): string
  /** Inverse of seal, with whichever key made it; throws `UnsealError` when no key opens it. */
  open(verificationId: string, sealed: string): string
  /** open, as the bytes that were sealed */
  openBytes(verificationId: string, sealed: string): Buffer
  /** The ids of the configured keys, current first: a sealed value or hash with another id opens with none. */
  readonly keyIds: readonly string[]
  /** The key being rotated out (SECRET_KEY_PREVIOUS), for what the current key cannot find or check. */
  readonly previous: Pick<Secrets, 'numberDigest' | 'digest' | 'codeHash'> | undefined
}

/** A sealed value that no configured key opens: tampered with, or sealed with a key no longer configured. */
export class UnsealError extends Error {
  override name = 'UnsealError'
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

interface KeyMaterial {
  readonly kid: string
  readonly digestKey: Buffer
  readonly hashKey: Buffer
  readonly sealKey: Buffer
}

function keyMaterial(secret: string): KeyMaterial {
  return {
    kid: base32(derive(secret, 'key-id').subarray(0, 3)).slice(0, 4),
    digestKey: derive(secret, 'number-digest'),
    hashKey: derive(secret, 'code-hash'),
    sealKey: derive(secret, 'seal'),
  }
}

export function createSecrets(secretKey: string, previousKey?: string): Secrets {
  const current = keyMaterial(secretKey)
  const older = previousKey === undefined ? undefined : keyMaterial(previousKey)

  const numberDigest = (k: KeyMaterial, e164: string): string => base32(createHmac('sha256', k.digestKey).update(e164).digest().subarray(0, 16))
  const digest = (k: KeyMaterial, kind: string, value: string): string =>
    base32(createHmac('sha256', k.digestKey).update(`${kind}\0${value}`).digest().subarray(0, 16))
  // 128 bits of the HMAC are plenty: the code space is at most 36^20 and the key is secret.
  const codeHash = (k: KeyMaterial, bucket: string, code: string): string =>
    `${k.kid}.${createHmac('sha256', k.hashKey).update(`${bucket}:${code}`).digest().subarray(0, 16).toString('base64url')}`

  function openWith(k: KeyMaterial, verificationId: string, body: string): Buffer {
    const raw = Buffer.from(body, 'base64url')
    if (raw.length < 28) throw new UnsealError('sealed value is too short')
    const decipher = createDecipheriv('aes-256-gcm', k.sealKey, raw.subarray(0, 12))
    decipher.setAAD(Buffer.from(verificationId))
    decipher.setAuthTag(raw.subarray(12, 28))
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()])
    } catch {
      throw new UnsealError('no configured key opens this value')
    }
  }

  function openBytes(verificationId: string, sealed: string): Buffer {
    const dot = sealed.indexOf('.')
    const keys = older === undefined ? [current] : [current, older]
    if (dot !== -1) {
      const kid = sealed.slice(0, dot)
      const k = keys.find((m) => m.kid === kid)
      if (k === undefined) throw new UnsealError('sealed with a key that is not configured')
      return openWith(k, verificationId, sealed.slice(dot + 1))
    }
    for (const k of keys) {
      try {
        return openWith(k, verificationId, sealed)
      } catch {
        // not this key
      }
    }
    throw new UnsealError('no configured key opens this value')
  }

  return {
    numberDigest: (e164) => numberDigest(current, e164),
    digest: (kind, value) => digest(current, kind, value),
    codeHash: (bucket, code) => codeHash(current, bucket, code),
    seal(verificationId, plaintext) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', current.sealKey, iv)
      cipher.setAAD(Buffer.from(verificationId))
      const body = Buffer.concat([typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext), cipher.final()])
      return `${current.kid}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`
    },
    open: (verificationId, sealed) => openBytes(verificationId, sealed).toString('utf8'),
    openBytes,
    keyIds: older === undefined ? [current.kid] : [current.kid, older.kid],
    previous:
      older === undefined
        ? undefined
        : {
            numberDigest: (e164) => numberDigest(older, e164),
            digest: (kind, value) => digest(older, kind, value),
            codeHash: (bucket, code) => codeHash(older, bucket, code),
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
