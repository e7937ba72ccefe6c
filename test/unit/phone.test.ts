import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { maskPhone, parsePhone } from '../../shared/phone.js'

const US = '+12015550123'

describe('parsePhone: accepted forms', () => {
  test('E.164', () => {
    assert.equal(parsePhone(US)?.e164, US)
  })

  test('digits with the country code and no plus', () => {
    assert.equal(parsePhone('12015550123')?.e164, US)
  })

  test('spaces, dots, dashes and parentheses are ignored', () => {
    for (const input of ['+1 (201) 555-0123', '+1.201.555.0123', '+1-201-555-0123', ' +1 201 555 0123 ', '1 (201) 555.0123']) {
      assert.equal(parsePhone(input)?.e164, US, input)
    }
  })

  test('00 international prefix', () => {
    assert.equal(parsePhone('0012015550123')?.e164, US)
    assert.equal(parsePhone('00 33 6 12 34 56 78')?.e164, '+33612345678')
  })

  test('national digits with a default country', () => {
    assert.equal(parsePhone('2015550123', 'US')?.e164, US)
    assert.equal(parsePhone('(201) 555-0123', 'US')?.e164, US)
    const gb = parsePhone('020 7946 0000', 'GB')
    assert.equal(gb?.e164, '+442079460000')
    assert.equal(gb?.country, 'GB')
    assert.equal(parsePhone('07400 123456', 'GB')?.e164, '+447400123456')
  })

  test('without a default country, bare digits are read as starting with a country code', () => {
    // "2015550123" is then +20 (Egypt) 15550123, never the US number a US user meant
    const phone = parsePhone('2015550123')
    assert.notEqual(phone?.e164, US)
    assert.equal(phone?.e164, '+2015550123')
    assert.equal(phone?.country, 'EG')
  })

  test('a full international number still parses when a different default country is set', () => {
    assert.equal(parsePhone('+12015550123', 'GB')?.e164, US)
    assert.equal(parsePhone('12015550123', 'GB')?.e164, US)
  })
})

describe('parsePhone: refused input', () => {
  const refused: Array<[string, string]> = [
    ['+1 555 123 4567', 'fiction (555 area code)'],
    ['+1 201 555 012', 'too short'],
    ['+1201555012345', 'too long'],
    ['+1 201 CALL NOW', 'letters'],
    ['+1201555O123', 'letter O'],
    ['+١٢٠١٥٥٥٠١٢٣', 'Arabic-Indic digits'],
    ['+１２０１５５５０１２３', 'fullwidth digits'],
    ['', 'empty'],
    ['   ', 'only spaces'],
    ['+', 'only a plus'],
    ['()-.', 'only separators'],
    [`+1 201 555 0123${' '.repeat(100)}`, 'very long input'],
    ['1'.repeat(10_000), 'very long digits'],
    ['++12015550123', 'two leading plus signs'],
    ['+1201+5550123', 'a second plus sign inside'],
    ['12015550123+', 'a trailing plus sign'],
    ['+1\n2015550123', 'a line break'],
    ['+1\u00002015550123', 'a NUL'],
    ['+1/201/555/0123', 'slashes'],
    ['tel:+12015550123', 'a tel: URI'],
  ]
  for (const [input, why] of refused) {
    test(`refuses ${why}`, () => {
      assert.equal(parsePhone(input), undefined)
      assert.equal(parsePhone(input, 'US'), undefined)
    })
  }
})

describe('parsePhone: country and type', () => {
  test('+33612345678 is a French mobile', () => {
    assert.deepEqual(parsePhone('+33612345678'), { e164: '+33612345678', country: 'FR', type: 'MOBILE' })
  })

  test('+19005550123 is a US premium-rate number', () => {
    const phone = parsePhone('+19005550123')
    assert.equal(phone?.country, 'US')
    assert.equal(phone?.type, 'PREMIUM_RATE')
  })

  test('a North American number gets its own region, not just the calling code', () => {
    assert.equal(parsePhone('+14165550123')?.country, 'CA')
    assert.equal(parsePhone(US)?.country, 'US')
  })
})

describe('maskPhone', () => {
  test('keeps the first five and last two characters', () => {
    assert.equal(maskPhone('+12015550123'), '+1201*****23')
    assert.equal(maskPhone('+33612345678'), '+3361*****78')
  })

  test('keeps the length and never shows the middle digits', () => {
    const masked = maskPhone('+447400123456')
    assert.equal(masked.length, '+447400123456'.length)
    assert.ok(!masked.includes('0012345'))
  })

  test('short values are fully masked', () => {
    assert.equal(maskPhone('+12345'), '******')
    assert.equal(maskPhone(''), '')
  })
})
