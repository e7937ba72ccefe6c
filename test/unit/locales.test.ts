import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import {
  DEFAULT_LOCALE,
  LOCALES,
  fillSms,
  fillVoice,
  isLocale,
  localeForCountry,
  resolveLocale,
} from '../../shared/messages/locales.js'
import { smsSegments } from '../../shared/messages/segments.js'

// The longest service name the texts are sized for, and the longest code.
const NAME = 'Northwind Traders Online Shop!'
const CODE = '1234567890'

const entries = Object.entries(LOCALES)

function count(text: string, part: string): number {
  return text.split(part).length - 1
}

describe('LOCALES', () => {
  test('has at least 32 languages, the default among them', () => {
    assert.ok(entries.length >= 32, `only ${entries.length} locales`)
    assert.ok(isLocale(DEFAULT_LOCALE))
  })

  test('the sample name and code are the sizes the texts are checked against', () => {
    assert.equal(NAME.length, 30)
    assert.match(NAME, /^[\x20-\x7e]+$/)
    assert.equal(CODE.length, 10)
  })

  for (const [locale, texts] of entries) {
    test(`${locale}: sms and smsWarning are one segment with a 30-character name and a 10-digit code`, () => {
      for (const [field, template] of [['sms', texts.sms], ['smsWarning', texts.smsWarning]] as const) {
        const filled = fillSms(template, NAME, CODE)
        const { encoding, units, segments } = smsSegments(filled)
        const limit = encoding === 'GSM-7' ? 160 : 70
        assert.equal(segments, 1, `${locale}.${field} is ${encoding}, ${units} of ${limit} units: ${filled}`)
      }
    })

    test(`${locale}: placeholders appear exactly as required`, () => {
      assert.equal(count(texts.sms, '{name}'), 1, `${locale}.sms {name}`)
      assert.equal(count(texts.sms, '{code}'), 1, `${locale}.sms {code}`)
      assert.equal(count(texts.smsWarning, '{name}'), 1, `${locale}.smsWarning {name}`)
      assert.equal(count(texts.smsWarning, '{code}'), 1, `${locale}.smsWarning {code}`)
      assert.equal(count(texts.voice, '{name}'), 1, `${locale}.voice {name}`)
      assert.equal(count(texts.voice, '{code}'), 2, `${locale}.voice {code}`)
      // No misspelt placeholder ("{Code}", "{ name }") that would reach the user unfilled.
      for (const template of [texts.sms, texts.smsWarning, texts.voice]) {
        assert.doesNotMatch(template.replace(/\{(name|code)\}/g, ''), /[{}]/, `${locale}: ${template}`)
      }
    })

    test(`${locale}: has an English name and an xx-YY style TTS code`, () => {
      assert.match(texts.name, /^\p{Lu}[\p{L} ()]+$/u)
      assert.match(texts.tts, /^[a-z]{2,3}-[A-Z]{2}$/)
    })
  }
})

describe('resolveLocale', () => {
  const cases: Array<[string, string | undefined]> = [
    ['en', 'en'],
    ['pt-BR', 'pt-BR'],
    ['pt_br', 'pt-BR'],
    ['PT-BR', 'pt-BR'],
    ['pt', 'pt'],
    ['pt-PT', 'pt'],
    ['pt-AO', 'pt'],
    ['es-MX', 'es'],
    ['es_419', 'es'],
    ['fr-CA', 'fr'],
    ['EN-gb', 'en'],
    [' de-AT ', 'de'],
    ['zh', 'zh'],
    ['zh-CN', 'zh'],
    ['zh-Hans', 'zh'],
    ['zh-Hans-CN', 'zh'],
    ['zh-SG', 'zh'],
    ['zh-TW', 'zh-TW'],
    ['zh-HK', 'zh-TW'],
    ['zh-MO', 'zh-TW'],
    ['zh-Hant', 'zh-TW'],
    ['zh_Hant_HK', 'zh-TW'],
    ['nb', 'nb'],
    ['no', 'nb'],
    ['nn', 'nb'],
    ['nb-NO', 'nb'],
    ['fil', 'fil'],
    ['tl', 'fil'],
    ['fil-PH', 'fil'],
    ['iw', 'he'],
    ['ja-JP', 'ja'],
    ['xx', undefined],
    ['klingon', undefined],
    ['', undefined],
    ['-', undefined],
    ['en--US', undefined],
    ['constructor', undefined],
    ['__proto__', undefined],
    ['en US', undefined],
  ]
  for (const [requested, expected] of cases) {
    test(`${JSON.stringify(requested)} → ${String(expected)}`, () => {
      assert.equal(resolveLocale(requested), expected)
    })
  }

  test('every key resolves to itself, in any case and with an underscore', () => {
    for (const [locale] of entries) {
      assert.equal(resolveLocale(locale), locale)
      assert.equal(resolveLocale(locale.toUpperCase().replace('-', '_')), locale)
    }
  })
})

describe('isLocale', () => {
  test('accepts keys only, exactly as spelt', () => {
    assert.ok(isLocale('pt-BR'))
    assert.ok(!isLocale('pt-br'))
    assert.ok(!isLocale('toString'))
    assert.ok(!isLocale(undefined))
    assert.ok(!isLocale(1))
  })
})

describe('localeForCountry', () => {
  test('main languages of a few countries', () => {
    assert.equal(localeForCountry('ES'), 'es')
    assert.equal(localeForCountry('MX'), 'es')
    assert.equal(localeForCountry('AR'), 'es')
    assert.equal(localeForCountry('BR'), 'pt-BR')
    assert.equal(localeForCountry('PT'), 'pt')
    assert.equal(localeForCountry('DE'), 'de')
    assert.equal(localeForCountry('AT'), 'de')
    assert.equal(localeForCountry('CH'), 'de')
    assert.equal(localeForCountry('JP'), 'ja')
    assert.equal(localeForCountry('CN'), 'zh')
    assert.equal(localeForCountry('TW'), 'zh-TW')
    assert.equal(localeForCountry('HK'), 'zh-TW')
    assert.equal(localeForCountry('US'), 'en')
    assert.equal(localeForCountry('jp'), 'ja')
  })

  test('unknown countries, and countries without a text for their language, have none', () => {
    assert.equal(localeForCountry('XX'), undefined)
    assert.equal(localeForCountry(''), undefined)
    assert.equal(localeForCountry('ESP'), undefined)
    assert.equal(localeForCountry('IR'), undefined)
  })

  test('covers at least 120 countries, each with a language that has texts', () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
    let covered = 0
    for (const first of letters) {
      for (const second of letters) {
        const locale = localeForCountry(first + second)
        if (locale === undefined) continue
        covered++
        assert.ok(isLocale(locale), `${first}${second} → ${locale}`)
        assert.ok(Object.hasOwn(LOCALES, locale), `${first}${second} → ${locale}`)
      }
    }
    assert.ok(covered >= 120, `only ${covered} countries`)
  })
})

describe('fillSms and fillVoice', () => {
  test('fillSms puts the name and code in place', () => {
    assert.equal(fillSms(LOCALES.en.sms, 'Acme', '123456'), 'Your Acme verification code is: 123456')
  })

  test('fillVoice spells the code digit by digit, twice', () => {
    assert.equal(
      fillVoice(LOCALES.en.voice, 'Acme', '123456'),
      'Your Acme verification code is: 1, 2, 3, 4, 5, 6. Again, your code is: 1, 2, 3, 4, 5, 6.',
    )
  })

  test('fillVoice spells letters too', () => {
    assert.equal(fillVoice('{code}', 'Acme', 'A7K2'), 'A, 7, K, 2')
  })

  test('placeholders or $ patterns inside the name are not expanded', () => {
    assert.equal(fillSms('{name}: {code}', 'Shop {code} $& $1', '42'), 'Shop {code} $& $1: 42')
  })
})
