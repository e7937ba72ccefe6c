/**
 * How many SMS segments a text costs, the way a carrier counts them.
 *
 * A text that uses only the GSM 03.38 default alphabet (plus its extension table) is sent in 7-bit GSM; anything
 * else forces the whole message into UCS-2. A single SMS carries 140 octets: 160 GSM-7 units or 70 UCS-2 units.
 * A longer text is concatenated, and each part loses 6 octets to the header: 153 GSM-7 or 67 UCS-2 units per part.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2'

export interface SmsSegments {
  encoding: SmsEncoding
  /** GSM-7 septets (an extension character is two) or UTF-16 code units. */
  units: number
  segments: number
}

/**
 * The GSM 03.38 default alphabet, one row per 16 positions (0x00–0x7F), so each character sits at its code.
 * 0x1B is the escape to the extension table, not a character of its own; it is taken out below.
 */
const GSM_BASIC_ROWS = [
  '@£$¥èéùìòÇ\nØø\rÅå', // 0x00
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ', // 0x10 (the Greek capitals, not the look-alike Latin letters or ∆ / Ω signs)
  ' !"#¤%&\'()*+,-./', // 0x20 (0x24 is ¤; $ lives at 0x02)
  '0123456789:;<=>?', // 0x30
  '¡ABCDEFGHIJKLMNO', // 0x40
  'PQRSTUVWXYZÄÖÑÜ§', // 0x50
  '¿abcdefghijklmno', // 0x60
  'pqrstuvwxyzäöñüà', // 0x70
]

const ESCAPE = '\u001b'
const GSM_BASIC = new Set(Array.from(GSM_BASIC_ROWS.join('')).filter((ch) => ch !== ESCAPE))

/** Sent as ESC plus a second septet, so each costs two units. */
const GSM_EXTENSION = new Set(Array.from('\f^{}\\[~]|€'))

const SINGLE = { 'GSM-7': 160, 'UCS-2': 70 } as const
const PART = { 'GSM-7': 153, 'UCS-2': 67 } as const

/** The units of one character in GSM-7, or undefined when GSM-7 cannot carry it. */
function gsmUnits(ch: string): number | undefined {
  if (GSM_BASIC.has(ch)) return 1
  if (GSM_EXTENSION.has(ch)) return 2
  return undefined
}

/** Per-character unit widths in GSM-7, or undefined as soon as one character needs UCS-2. */
function gsmWidths(text: string): number[] | undefined {
  const widths: number[] = []
  for (const ch of text) {
    const units = gsmUnits(ch)
    if (units === undefined) return undefined
    widths.push(units)
  }
  return widths
}

/** UTF-16 code units per code point: an astral character (most emoji) is a surrogate pair, two units. */
function ucs2Widths(text: string): number[] {
  return Array.from(text, (ch) => ch.length)
}

/**
 * Parts needed for a concatenated message. A character is never split across parts: a GSM escape pair must
 * stay together, and senders keep a UTF-16 surrogate pair together too, so a part may end short of `perPart`.
 */
function countParts(widths: readonly number[], perPart: number): number {
  let parts = 1
  let used = 0
  for (const width of widths) {
    if (used + width > perPart) {
      parts++
      used = 0
    }
    used += width
  }
  return parts
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

/** The encoding, size and segment count of `text` as one SMS. An empty text is still one (empty) message. */
export function smsSegments(text: string): SmsSegments {
  const gsm = gsmWidths(text)
  const encoding: SmsEncoding = gsm === undefined ? 'UCS-2' : 'GSM-7'
  const widths = gsm ?? ucs2Widths(text)
  const units = sum(widths)
  const segments = units <= SINGLE[encoding] ? 1 : countParts(widths, PART[encoding])
  return { encoding, units, segments }
}
