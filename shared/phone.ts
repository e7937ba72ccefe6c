import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode, type NumberType } from 'libphonenumber-js/max'

/** Every country calling code (1 to 3 digits; no code is the start of another). */
const CALLING_CODES: ReadonlySet<string> = new Set(getCountries().map((country) => getCountryCallingCode(country)))

/** The country calling code of an E.164 number, e.g. '44' for +447911123456. */
export function callingCodeOf(e164: string): string | undefined {
  for (const length of [1, 2, 3]) {
    const code = e164.slice(1, 1 + length)
    if (CALLING_CODES.has(code)) return code
  }
  return undefined
}

/** The fraud guard's prefix of a number: its country code and the first `digits` national digits (+447911). */
export function numberPrefix(e164: string, digits: number): string {
  const code = callingCodeOf(e164) ?? e164.slice(1, 2)
  return `+${code}${e164.slice(1 + code.length, 1 + code.length + digits)}`
}

export interface ParsedPhone {
  /** E.164, e.g. +12015550123 */
  readonly e164: string
  /** ISO 3166 alpha-2, or 'ZZ' when the number belongs to no single region (e.g. global services) */
  readonly country: string
  /** libphonenumber-js number type; undefined when its metadata cannot tell */
  readonly type: NumberType | undefined
}

const allowedCharacters = /^[+0-9 ().-]+$/

/**
 * Turns what a user typed into a valid number, or `undefined`. Accepted: E.164 (`+12015550123`), `00` + country
 * code, digits with the country code and no plus (`12015550123`, as the Python guide sends), and national digits
 * when a default country is set. Spaces, dots, dashes and parentheses are ignored. Numbers must be valid for their
 * region, not merely possible.
 */
export function parsePhone(input: string, defaultCountry?: string): ParsedPhone | undefined {
  if (input.length === 0 || input.length > 40 || !allowedCharacters.test(input)) return undefined
  const digits = input.replace(/[^0-9+]/g, '')
  if (digits.lastIndexOf('+') > 0) return undefined

  const candidates: Array<() => ReturnType<typeof parsePhoneNumberFromString>> = []
  if (digits.startsWith('+')) {
    candidates.push(() => parsePhoneNumberFromString(digits))
  } else if (digits.startsWith('00')) {
    candidates.push(() => parsePhoneNumberFromString(`+${digits.slice(2)}`))
  } else {
    // National digits first when the operator says where users live; then digits with a country code.
    if (defaultCountry !== undefined) candidates.push(() => parsePhoneNumberFromString(digits, defaultCountry as CountryCode))
    candidates.push(() => parsePhoneNumberFromString(`+${digits}`))
  }

  for (const candidate of candidates) {
    const phone = candidate()
    if (phone === undefined) continue
    // A number that has a type matched its region's patterns, which is what isValid() checks too: ask for the
    // type first and run the validity patterns only for the rare valid number of unknown type.
    const type = phone.getType()
    if (type !== undefined || phone.isValid()) {
      return { e164: phone.number, country: phone.country ?? 'ZZ', type }
    }
  }
  return undefined
}

/** `+12015550123` → `+1201*****23`: enough to tell numbers apart in logs, not enough to text them. */
export function maskPhone(e164: string): string {
  if (e164.length <= 7) return '*'.repeat(e164.length)
  return `${e164.slice(0, 5)}${'*'.repeat(e164.length - 7)}${e164.slice(-2)}`
}

/**
 * A provider's error text as it may be stored and logged: at most 200 characters, with any run of seven or more
 * digits (a phone number it may echo, "+1 (201) 555-0123" included) masked.
 */
export function redactProviderText(text: string): string {
  return text.slice(0, 200).replace(/\+?\d[\d ().-]{5,}\d/g, (run) => (run.replace(/\D/g, '').length >= 7 ? maskPhone(`+${run.replace(/\D/g, '')}`) : run))
}
