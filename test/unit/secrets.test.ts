import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import fc from 'fast-check'
import { base32, createSecrets, safeEqual, UnsealError } from '../../shared/secrets.js'

const KEY_A = 'a-test-secret-key-that-is-long-enough-1'
const KEY_B = 'a-test-secret-key-that-is-long-enough-2'
const ID = 'ver_abcdabcdefghijklmnopqrstuvwxyz'
const OTHER_ID = 'ver_abcdbcdefghijklmnopqrstuvwxyz2'

/** Flips one bit of one byte of a base64url blob. */
function flipBit(sealed: string, byteIndex: number): string {
  const raw = Buffer.from(sealed, 'base64url')
  raw[byteIndex] = (raw[byteIndex] ?? 0) ^ 0x01
  return raw.toString('base64url')
}

describe('seal / open', () => {
  const secrets = createSecrets(KEY_A)

  test('round-trips', () => {
    for (const plaintext of ['123456', '', '{"code":"0042","to":"+12015550123"}', 'ünïcødé ✓']) {
      assert.equal(secrets.open(ID, secrets.seal(ID, plaintext)), plaintext)
    }
  })

  test('the sealed blob hides the plaintext and differs each time (random IV)', () => {
    const a = secrets.seal(ID, '123456')
    const b = secrets.seal(ID, '123456')
    assert.notEqual(a, b)
    assert.ok(!a.includes('123456'))
    assert.ok(!Buffer.from(a.slice(a.indexOf('.') + 1), 'base64url').toString('latin1').includes('123456'))
    // The id of the key that sealed it, then base64url.
    assert.match(a, /^[a-z2-7]{4}\.[A-Za-z0-9_-]+$/)
  })

  test('open with another id (associated data) throws', () => {
    const sealed = secrets.seal(ID, '123456')
    assert.throws(() => secrets.open(OTHER_ID, sealed))
    assert.throws(() => secrets.open('', sealed))
  })

  test('open with another key throws', () => {
    const sealed = secrets.seal(ID, '123456')
    assert.throws(() => createSecrets(KEY_B).open(ID, sealed))
  })

  test('a tampered blob throws, whichever part (IV, tag or ciphertext) is changed', () => {
    const sealed = secrets.seal(ID, '123456')
    const [kid, body = ''] = sealed.split('.')
    const length = Buffer.from(body, 'base64url').length
    assert.equal(length, 12 + 16 + 6)
    for (let i = 0; i < length; i++) {
      assert.throws(() => secrets.open(ID, `${kid}.${flipBit(body, i)}`), `byte ${i}`)
    }
  })

  test('truncated, extended or garbage blobs throw', () => {
    const sealed = secrets.seal(ID, '123456')
    assert.throws(() => secrets.open(ID, sealed.slice(0, -2)))
    assert.throws(() => secrets.open(ID, `${sealed}AA`))
    assert.throws(() => secrets.open(ID, ''))
    assert.throws(() => secrets.open(ID, 'not-a-sealed-value'))
    assert.throws(() => secrets.open(ID, 'A'.repeat(40)))
  })

  test('property: round-trips any string for any id', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (id, plaintext) => {
        assert.equal(secrets.open(id, secrets.seal(id, plaintext)), plaintext)
      }),
      { numRuns: 200 },
    )
  })
})

describe('numberDigest', () => {
  const a = createSecrets(KEY_A)
  const b = createSecrets(KEY_B)

  test('is deterministic per key, also across instances', () => {
    assert.equal(a.numberDigest('+12015550123'), a.numberDigest('+12015550123'))
    assert.equal(a.numberDigest('+12015550123'), createSecrets(KEY_A).numberDigest('+12015550123'))
  })

  test('differs between keys and between numbers', () => {
    assert.notEqual(a.numberDigest('+12015550123'), b.numberDigest('+12015550123'))
    assert.notEqual(a.numberDigest('+12015550123'), a.numberDigest('+12015550124'))
  })

  test('is 26 lowercase base32 characters and does not contain the number', () => {
    const digest = a.numberDigest('+12015550123')
    assert.match(digest, /^[a-z2-7]{26}$/)
    assert.ok(!digest.includes('2015550123'))
  })
})

describe('codeHash', () => {
  const a = createSecrets(KEY_A)
  const b = createSecrets(KEY_B)

  test('is deterministic', () => {
    assert.equal(a.codeHash('abcd', '123456'), a.codeHash('abcd', '123456'))
    assert.equal(a.codeHash('abcd', '123456'), createSecrets(KEY_A).codeHash('abcd', '123456'))
  })

  test('differs per code, per bucket and per key', () => {
    const h = a.codeHash('abcd', '123456')
    assert.notEqual(h, a.codeHash('abcd', '123457'))
    assert.notEqual(h, a.codeHash('abce', '123456'))
    assert.notEqual(h, b.codeHash('abcd', '123456'))
  })

  test('does not contain the code', () => {
    assert.ok(!a.codeHash('abcd', '123456').includes('123456'))
  })

  test('is not the number digest of the same input (independent sub-keys)', () => {
    assert.notEqual(a.codeHash('abcd', '123456'), a.numberDigest('abcd:123456'))
  })

  test('no collisions among all 10,000 four-digit codes', () => {
    const hashes = new Set<string>()
    for (let i = 0; i < 10_000; i++) hashes.add(a.codeHash('abcd', i.toString().padStart(4, '0')))
    assert.equal(hashes.size, 10_000)
  })
})

describe('key rotation (SECRET_KEY_PREVIOUS)', () => {
  const before = createSecrets(KEY_A)
  const rotating = createSecrets(KEY_B, KEY_A)
  const after = createSecrets(KEY_B)

  test('what the previous key sealed still opens; new values use the new key', () => {
    const old = before.seal(ID, '123456')
    assert.equal(rotating.open(ID, old), '123456')
    const fresh = rotating.seal(ID, '654321')
    assert.equal(fresh.split('.')[0], rotating.keyIds[0])
    assert.equal(after.open(ID, fresh), '654321')
    assert.throws(() => before.open(ID, fresh), UnsealError)
  })

  test('once the previous key is gone, its values open with no key: UnsealError', () => {
    assert.throws(() => after.open(ID, before.seal(ID, '123456')), UnsealError)
  })

  test('values sealed before key ids existed (no `kid.`) are tried with each key', () => {
    const legacy = before.seal(ID, '123456').split('.')[1] ?? ''
    assert.equal(before.open(ID, legacy), '123456')
    assert.equal(rotating.open(ID, legacy), '123456')
    assert.throws(() => after.open(ID, legacy), UnsealError)
  })

  test('code hashes name their key; the previous one is there to check old hashes', () => {
    assert.equal(rotating.codeHash('abcd', '123456').split('.')[0], rotating.keyIds[0])
    assert.equal(rotating.previous?.codeHash('abcd', '123456'), before.codeHash('abcd', '123456'))
    assert.equal(rotating.previous?.numberDigest('+12015550123'), before.numberDigest('+12015550123'))
    assert.equal(after.previous, undefined)
    assert.notEqual(rotating.keyIds[0], rotating.keyIds[1])
  })
})

describe('safeEqual', () => {
  test('equal strings', () => {
    assert.equal(safeEqual('api-key-1', 'api-key-1'), true)
    assert.equal(safeEqual('', ''), true)
    assert.equal(safeEqual('ключ ✓', 'ключ ✓'), true)
  })

  test('different strings of the same length', () => {
    assert.equal(safeEqual('api-key-1', 'api-key-2'), false)
    assert.equal(safeEqual('Api-key-1', 'api-key-1'), false)
  })

  test('different lengths, including prefixes and the empty string', () => {
    assert.equal(safeEqual('api-key', 'api-key-1'), false)
    assert.equal(safeEqual('api-key-1', 'api-key'), false)
    assert.equal(safeEqual('', 'x'), false)
    assert.equal(safeEqual('api-key-1', 'api-key-1 '), false)
  })

  test('property: agrees with ===', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (x, y) => {
        assert.equal(safeEqual(x, y), x === y)
        assert.equal(safeEqual(x, x), true)
      }),
    )
  })
})

describe('base32', () => {
  test('RFC 4648 test vectors, lowercase and unpadded', () => {
    const vectors: Array<[string, string]> = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ]
    for (const [input, expected] of vectors) assert.equal(base32(Buffer.from(input)), expected, input)
  })

  test('16 bytes give 26 characters', () => {
    assert.match(base32(new Uint8Array(16).fill(255)), /^[a-z2-7]{26}$/)
  })
})
