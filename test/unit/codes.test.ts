import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import fc from 'fast-check'
import { generateCode, normalizeCode } from '../../shared/codes.js'

describe('generateCode', () => {
  test('has exactly n ASCII digits for every allowed length 4..10', () => {
    for (let n = 4; n <= 10; n++) {
      for (let i = 0; i < 200; i++) {
        const code = generateCode(n)
        assert.match(code, new RegExp(`^[0-9]{${n}}$`), `length ${n}: ${code}`)
      }
    }
  })

  test('leading zeros occur (over 20,000 four-digit draws)', () => {
    let leadingZero = 0
    for (let i = 0; i < 20_000; i++) if (generateCode(4).startsWith('0')) leadingZero++
    // expected about 2,000; the chance of fewer than 1,000 with a uniform generator is negligible
    assert.ok(leadingZero > 1_000, `only ${leadingZero} of 20,000 codes start with 0`)
  })

  test('the first digit is roughly uniform over 0..9', () => {
    const draws = 50_000
    const counts = new Array<number>(10).fill(0)
    for (let i = 0; i < draws; i++) {
      const first = Number(generateCode(6)[0])
      counts[first] = (counts[first] ?? 0) + 1
    }
    // expected 5,000 each (sd ≈ 67); ±15 % is over 10 standard deviations
    for (const [digit, count] of counts.entries()) {
      assert.ok(count > 4_250 && count < 5_750, `digit ${digit} came first ${count} times out of ${draws}`)
    }
  })

  test('codes are not repeated constantly (not a fixed value)', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 1_000; i++) seen.add(generateCode(6))
    assert.ok(seen.size > 990, `only ${seen.size} distinct codes in 1,000 draws`)
  })
})

describe('normalizeCode', () => {
  test('accepts plain digits and drops spaces and dashes', () => {
    assert.equal(normalizeCode('123456', { length: 6 }), '123456')
    assert.equal(normalizeCode('123 456', { length: 6 }), '123456')
    assert.equal(normalizeCode('123-456', { length: 6 }), '123456')
    assert.equal(normalizeCode(' 12-34 56 ', { length: 6 }), '123456')
    assert.equal(normalizeCode('0000', { length: 4 }), '0000')
    assert.equal(normalizeCode('0123456789', { length: 10 }), '0123456789')
  })

  test('refuses the wrong length', () => {
    assert.equal(normalizeCode('12345', { length: 6 }), undefined)
    assert.equal(normalizeCode('1234567', { length: 6 }), undefined)
    assert.equal(normalizeCode('', { length: 6 }), undefined)
    assert.equal(normalizeCode('   ', { length: 6 }), undefined)
    assert.equal(normalizeCode('------', { length: 6 }), undefined)
  })

  test('refuses letters and signs', () => {
    for (const input of ['12345a', 'abcdef', '12345O', '+12345', '12.456', '1e5678', '0x1234']) {
      assert.equal(normalizeCode(input, { length: 6 }), undefined, input)
    }
  })

  test("refuses other scripts' digits", () => {
    for (const input of ['١٢٣٤٥٦', '１２３４５６', '۱۲۳۴۵۶', '१२३४५६', '12345٦', '12345６']) {
      assert.equal(normalizeCode(input, { length: 6 }), undefined, input)
    }
  })

  test('refuses control and invisible characters', () => {
    for (const input of ['\u0000123456', '123\u0000456', '123456\u0000', '\u001b123456', '123456\u007f', '123\u200b456', '123\u00ad456']) {
      assert.equal(normalizeCode(input, { length: 6 }), undefined, JSON.stringify(input))
    }
  })

  // Documents the contract ("spaces and dashes are ignored"): tabs, line breaks and other whitespace are control
  // or non-space characters and should be refused. FAILS against shared/codes.ts, which strips every \s.
  test('refuses tabs, line breaks and non-ASCII whitespace (only spaces and dashes are ignored)', () => {
    for (const input of ['\t123456', '123456\n', '123\r\n456', '123\v456', '123\f456', '123\u00a0456', '123\u3000456', '123\u2028456']) {
      assert.equal(normalizeCode(input, { length: 6 }), undefined, JSON.stringify(input))
    }
  })

  test('refuses very long strings, even ones that would compact to the right length', () => {
    assert.equal(normalizeCode('1'.repeat(100_000), { length: 6 }), undefined)
    assert.equal(normalizeCode(`${' '.repeat(100)}123456`, { length: 6 }), undefined)
    assert.equal(normalizeCode(`123456${'-'.repeat(10_000)}`, { length: 6 }), undefined)
  })

  test('property: any code of length n, split by spaces and dashes, normalizes back to itself', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 10 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }),
            fc.array(fc.constantFrom('', ' ', '-', ' - '), { minLength: n + 1, maxLength: n + 1 }),
          ),
        ),
        ([n, digits, separators]) => {
          const code = digits.join('')
          const typed = digits.map((d, i) => `${separators[i] ?? ''}${d}`).join('') + (separators[n] ?? '')
          assert.equal(normalizeCode(typed, { length: n }), code)
        },
      ),
    )
  })

  test('property: the result is always undefined or exactly `length` ASCII digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.integer({ min: 4, max: 10 }), (input, n) => {
        const out = normalizeCode(input, { length: n })
        if (out !== undefined) assert.match(out, new RegExp(`^[0-9]{${n}}$`))
      }),
    )
  })
})

describe('alphanumeric codes (MFA allow_alphas)', () => {
  test('are drawn from digits and capital letters, every position over all 36', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 2_000; i++) {
      const code = generateCode(8, 'alphanumeric')
      assert.match(code, /^[0-9A-Z]{8}$/)
      for (const c of code) seen.add(c)
    }
    assert.equal(seen.size, 36)
  })

  test('normalize case-insensitively; digits-only verifications still refuse letters', () => {
    assert.equal(normalizeCode('a7k2-9x', { length: 6, alphabet: 'alphanumeric' }), 'A7K29X')
    assert.equal(normalizeCode('a7k29x', { length: 6 }), undefined)
    assert.equal(normalizeCode('A7K2', { alphabet: 'alphanumeric' }), 'A7K2', 'any length from 4 to 20 when none is given')
    assert.equal(normalizeCode('A7K', { alphabet: 'alphanumeric' }), undefined)
  })
})
