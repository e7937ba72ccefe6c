import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { fromTwilioSid, fromUuid, isVerificationId, newVerificationId, tagOfDigest, tagOfId, twilioSid, uuidOf } from '../../shared/ids.js'
import { createKeys, QUEUE_NAME } from '../../shared/keys.js'
import { createSecrets } from '../../shared/secrets.js'

const secrets = createSecrets('a-test-secret-key-that-is-long-enough')
const digest = secrets.numberDigest('+12015550123')

/** The text between the first `{` and the following `}` (the Redis Cluster hash tag). */
function hashTag(key: string): string {
  const open = key.indexOf('{')
  const close = key.indexOf('}', open + 1)
  assert.ok(open >= 0 && close > open + 1, `no non-empty hash tag in ${key}`)
  return key.slice(open + 1, close)
}

describe('verification ids', () => {
  test('newVerificationId matches ver_ + 26 base32 characters (16 bytes)', () => {
    for (let i = 0; i < 100; i++) assert.match(newVerificationId(digest), /^ver_[a-z2-7]{26}$/)
  })

  test('carries the number bucket tag, and is random after it', () => {
    const a = newVerificationId(digest)
    const b = newVerificationId(digest)
    assert.notEqual(a, b)
    assert.equal(tagOfId(a), tagOfDigest(digest))
    assert.equal(a.slice(0, 8), `ver_${digest.slice(0, 4)}`)
  })

  test('isVerificationId accepts new ids', () => {
    for (let i = 0; i < 100; i++) assert.equal(isVerificationId(newVerificationId(digest)), true)
  })

  test('isVerificationId refuses anything else', () => {
    const id = newVerificationId(digest)
    const refused = [
      '',
      'ver_',
      id.slice(0, -1),
      `${id}a`,
      id.toUpperCase(),
      id.replace('ver_', 'VER_'),
      id.replace('ver_', 'ver-'),
      `${id.slice(0, -1)}1`,
      `${id.slice(0, -1)}8`,
      `${id.slice(0, -1)}=`,
      ` ${id}`,
      `${id}\n`,
      `ver_${'a'.repeat(29)}{`,
      'ver_../../../../etc/passwd00000000',
      `${id}-1`,
    ]
    for (const value of refused) assert.equal(isVerificationId(value), false, JSON.stringify(value))
  })

  test('ids from before the 16-byte layout (ver_ + 30 characters) are still ids', () => {
    assert.equal(isVerificationId(`ver_${digest.slice(0, 4)}${'b'.repeat(26)}`), true)
  })

  test('the /v2 sid and the MFA UUID are the same 16 bytes, and lead back to the id', () => {
    for (let i = 0; i < 200; i++) {
      const id = newVerificationId(secrets.numberDigest(`+1201555${String(i).padStart(4, '0')}`))
      const sid = twilioSid(id) ?? ''
      const uuid = uuidOf(id) ?? ''
      assert.match(sid, /^VE[0-9a-f]{32}$/)
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      assert.equal(fromTwilioSid(sid), id)
      assert.equal(fromUuid(uuid), id)
      assert.equal(fromUuid(uuid.toUpperCase()), id)
      assert.equal(sid.slice(2), uuid.replace(/-/g, ''))
    }
    assert.equal(fromTwilioSid('VE123'), undefined)
    assert.equal(fromUuid('not-a-uuid'), undefined)
    assert.equal(twilioSid(`ver_${'b'.repeat(30)}`), undefined, 'an old id has no sid')
  })
})

describe('Redis keys', () => {
  const keys = createKeys('2fa')

  test('the number key and the verification key of one number share one hash tag', () => {
    const id = newVerificationId(digest)
    const numberKey = keys.number(tagOfDigest(digest), digest)
    const verificationKey = keys.verification(id)
    assert.equal(hashTag(numberKey), hashTag(verificationKey))
    assert.equal(hashTag(numberKey), tagOfDigest(digest))
    assert.notEqual(numberKey, verificationKey)
  })

  test('holds for many numbers, and different numbers usually land in different tags', () => {
    const tags = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const d = secrets.numberDigest(`+1201555${i.toString().padStart(4, '0')}`)
      assert.equal(hashTag(keys.number(tagOfDigest(d), d)), hashTag(keys.verification(newVerificationId(d))))
      tags.add(hashTag(keys.number(tagOfDigest(d), d)))
    }
    assert.ok(tags.size > 190, `only ${tags.size} tags for 200 numbers`)
  })

  test('keys start with the prefix, and Lua prefixes build the same keys', () => {
    const id = newVerificationId(digest)
    const tag = tagOfDigest(digest)
    assert.ok(keys.number(tagOfDigest(digest), digest).startsWith('2fa:'))
    assert.ok(keys.verification(id).startsWith('2fa:'))
    assert.equal(`${keys.numberPrefix(tag)}${digest}`, keys.number(tagOfDigest(digest), digest))
    assert.equal(`${keys.verificationPrefix(tag)}${id}`, keys.verification(id))
  })

  test('number and verification keys cannot collide', () => {
    const id = newVerificationId(digest)
    assert.notEqual(keys.number(tagOfId(id), id), keys.verification(id))
  })

  test('the queue prefix is braced, so every queue key shares one slot', () => {
    assert.equal(keys.prefix, '2fa')
    assert.equal(keys.queuePrefix, '{2fa}')
    assert.equal(createKeys('test-123').queuePrefix, '{test-123}')
    assert.equal(hashTag(`${keys.queuePrefix}:${QUEUE_NAME}:wait`), '2fa')
  })
})
