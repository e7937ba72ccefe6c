import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { createSecrets } from '../../shared/secrets.js'
import { decodeRecord, encodeNewRecord, openContents, sealContents } from '../../shared/store/verification-record.js'
import { TEST_SECRET } from '../helpers/constants.js'

const secrets = createSecrets(TEST_SECRET)
const ID = 'ver_abcdefghijklmnopqrstuvwxyz'
const DEFAULTS = { service: `VA${'0'.repeat(32)}`, codeLength: 6, locale: 'en' as const }

/** The hash a create script would leave: the encoded pairs plus what the script fills in. */
function stored(pairs: string[], extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < pairs.length; i += 2) out[pairs[i] ?? ''] = pairs[i + 1] ?? ''
  return { ...out, ...extra }
}

describe('verification record codec', () => {
  const created = 1_700_000_000_000
  const base = { s: 'pending', ct: String(created), ut: String(created), xt: String(created + 600_000), sa: '1', ca: '0' }

  test('every optional field round-trips, and the number and code are only inside the sealed field', () => {
    const pairs = encodeNewRecord({
      sealed: sealContents(secrets, ID, { to: '+12015550123', code: 'AB12CD' }),
      codeHash: 'hash',
      country: 'US',
      digest: 'd1',
      scopedDigest: 'd2',
      service: `VA${'1'.repeat(32)}`,
      maxCheckAttempts: 3,
      codeLength: 6,
      alphabet: 'alphanumeric',
      locale: 'es',
      sender: '+12015550100',
      prefix: 'Your code:',
      owner: 'project',
      friendlyName: 'Acme Payments',
    })
    assert.ok(!pairs.some((v) => v.includes('+12015550123') || v.includes('AB12CD')))
    const v = decodeRecord(secrets, ID, stored(pairs, { ...base, sl: `${created / 1000}:s,${created / 1000 + 30}:c` }), created + 1, DEFAULTS)
    assert.equal(v.resource.to, '+12015550123')
    assert.equal(v.resource.service, `VA${'1'.repeat(32)}`)
    assert.equal(v.resource.locale, 'es')
    assert.equal(v.resource.maxCheckAttempts, 3)
    assert.deepEqual([v.alphabet, v.codeLength, v.country], ['alphanumeric', 6, 'US'])
    assert.deepEqual([v.sender, v.prefix, v.owner, v.friendlyName], ['+12015550100', 'Your code:', 'project', 'Acme Payments'])
    assert.deepEqual(v.sends, [
      { at: created, channel: 'sms' },
      { at: created + 30_000, channel: 'call' },
    ])
    assert.equal(openContents(secrets, ID, stored(pairs, {}).e ?? '').code, 'AB12CD')
  })

  test('a record from before the newer fields reads with the defaults', () => {
    const old = { ...base, e: sealContents(secrets, ID, { to: '+12015550124', code: '123456' }), h: 'x', c: 'US', nd: 'd', mc: '5' }
    const v = decodeRecord(secrets, ID, old, created + 1, DEFAULTS)
    assert.equal(v.resource.service, DEFAULTS.service)
    assert.deepEqual([v.codeLength, v.alphabet, v.locale, v.resource.channel], [6, 'digits', 'en', 'sms'])
    assert.deepEqual(v.sends, [{ at: created, channel: 'sms' }])
    assert.equal(v.friendlyName, undefined)
    assert.equal(v.resource.delivery.status, 'queued')
  })

  test('a pending record past its expiry reads as expired, updated at its expiry', () => {
    const pairs = encodeNewRecord({ sealed: sealContents(secrets, ID, { to: '+12015550125', code: '123456' }), codeHash: 'h', country: 'US', digest: 'd', scopedDigest: 'd', service: undefined, maxCheckAttempts: 5, codeLength: 6, alphabet: 'digits', locale: 'en' })
    assert.ok(!pairs.includes('ns') && !pairs.includes('sv'), 'the default service and an unscoped digest are not written')
    const v = decodeRecord(secrets, ID, stored(pairs, base), created + 600_000, DEFAULTS)
    assert.equal(v.resource.status, 'expired')
    assert.equal(v.resource.updatedAt, new Date(created + 600_000).toISOString())
  })

  test('numbers and digit codes are sealed packed, small enough for Redis to keep the hash compact (values ≤ 64 bytes)', () => {
    for (const [to, code] of [
      ['+12015550123', '123456'],
      ['+442071838750', '0000'],
      ['+861234567890123', '0123456789'],
      ['+1', '0'],
    ] as const) {
      const sealed = sealContents(secrets, ID, { to, code })
      assert.ok(sealed.length <= 64, `${sealed.length} characters for ${to.length + code.length} digits`)
      assert.deepEqual(openContents(secrets, ID, sealed), { to, code })
    }
    // Letters in the code: sealed as text, opened the same way.
    assert.deepEqual(openContents(secrets, ID, sealContents(secrets, ID, { to: '+12015550123', code: 'A1B2C3' })), { to: '+12015550123', code: 'A1B2C3' })
    // Sealed before packing existed (text): still opens.
    assert.deepEqual(openContents(secrets, ID, secrets.seal(ID, '+12015550123\n654321')), { to: '+12015550123', code: '654321' })
  })
})
