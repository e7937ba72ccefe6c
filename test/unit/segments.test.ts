import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { smsSegments } from '../../shared/messages/segments.js'

// Every character of the GSM 03.38 default alphabet, in table order (0x1B, the escape, is not a character).
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà'

const GSM_EXTENSION = '\f^{}\\[~]|€'

describe('smsSegments: GSM-7', () => {
  test('every character of the basic table is one GSM-7 unit', () => {
    assert.equal(Array.from(GSM_BASIC).length, 127)
    for (const ch of GSM_BASIC) {
      assert.deepEqual(smsSegments(ch), { encoding: 'GSM-7', units: 1, segments: 1 }, `U+${ch.codePointAt(0)?.toString(16)}`)
    }
  })

  test('every extension character is two GSM-7 units', () => {
    for (const ch of GSM_EXTENSION) {
      assert.deepEqual(smsSegments(ch), { encoding: 'GSM-7', units: 2, segments: 1 }, `U+${ch.codePointAt(0)?.toString(16)}`)
    }
  })

  test('160 units are one segment, 161 are two', () => {
    assert.deepEqual(smsSegments('a'.repeat(160)), { encoding: 'GSM-7', units: 160, segments: 1 })
    assert.deepEqual(smsSegments('a'.repeat(161)), { encoding: 'GSM-7', units: 161, segments: 2 })
  })

  test('an extension character counts two towards the 160', () => {
    assert.deepEqual(smsSegments('€' + 'a'.repeat(158)), { encoding: 'GSM-7', units: 160, segments: 1 })
    assert.deepEqual(smsSegments('€' + 'a'.repeat(159)), { encoding: 'GSM-7', units: 161, segments: 2 })
  })

  test('multipart messages hold 153 units a part', () => {
    assert.equal(smsSegments('a'.repeat(306)).segments, 2)
    assert.equal(smsSegments('a'.repeat(307)).segments, 3)
    assert.equal(smsSegments('a'.repeat(459)).segments, 3)
    assert.equal(smsSegments('a'.repeat(460)).segments, 4)
  })

  test('an escape pair is not split across parts', () => {
    // 306 units would be exactly two parts, but € would straddle the first part's end: 152 | 2 + 151 | 1.
    assert.deepEqual(smsSegments('a'.repeat(152) + '€' + 'a'.repeat(152)), { encoding: 'GSM-7', units: 306, segments: 3 })
    // With € starting the second part the same 306 units fit two: 153 | 2 + 151.
    assert.equal(smsSegments('a'.repeat(153) + '€' + 'a'.repeat(151)).segments, 2)
  })

  test('look-alikes of GSM characters are not GSM', () => {
    // U+2206 increment and U+2126 ohm look like the table's Δ and Ω; ESC alone is not a character.
    for (const ch of ['\u2206', '\u2126', 'ç', 'á', 'í', 'ó', 'ú', 'ã', 'õ', 'ê', 'â', '`', '\t', '\u001b']) {
      assert.equal(smsSegments(ch).encoding, 'UCS-2', `U+${ch.codePointAt(0)?.toString(16)}`)
    }
  })
})

describe('smsSegments: UCS-2', () => {
  test('one character outside GSM-7 makes the whole text UCS-2', () => {
    assert.deepEqual(smsSegments('a'.repeat(69) + 'ç'), { encoding: 'UCS-2', units: 70, segments: 1 })
    // The extension character now costs one unit like any other.
    assert.deepEqual(smsSegments('€ó'), { encoding: 'UCS-2', units: 2, segments: 1 })
  })

  test('70 units are one segment, 71 are two', () => {
    assert.deepEqual(smsSegments('ж'.repeat(70)), { encoding: 'UCS-2', units: 70, segments: 1 })
    assert.deepEqual(smsSegments('ж'.repeat(71)), { encoding: 'UCS-2', units: 71, segments: 2 })
  })

  test('an emoji is two UTF-16 units', () => {
    assert.deepEqual(smsSegments('😀'), { encoding: 'UCS-2', units: 2, segments: 1 })
    assert.deepEqual(smsSegments('😀'.repeat(35)), { encoding: 'UCS-2', units: 70, segments: 1 })
    assert.deepEqual(smsSegments('😀' + 'ж'.repeat(69)), { encoding: 'UCS-2', units: 71, segments: 2 })
  })

  test('multipart messages hold 67 units a part', () => {
    assert.equal(smsSegments('ж'.repeat(134)).segments, 2)
    assert.equal(smsSegments('ж'.repeat(135)).segments, 3)
    assert.equal(smsSegments('ж'.repeat(201)).segments, 3)
    assert.equal(smsSegments('ж'.repeat(202)).segments, 4)
  })

  test('a surrogate pair is not split across parts', () => {
    // The emoji would straddle the first part's end, so it starts the second: 66 | 2 + 65, and one more ж makes 66 | 2 + 65 | 1.
    assert.equal(smsSegments('ж'.repeat(66) + '😀' + 'ж'.repeat(65)).segments, 2)
    assert.equal(smsSegments('ж'.repeat(66) + '😀' + 'ж'.repeat(66)).segments, 3)
  })
})

test('an empty text is one empty GSM-7 message', () => {
  assert.deepEqual(smsSegments(''), { encoding: 'GSM-7', units: 0, segments: 1 })
})
