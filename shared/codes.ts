import { randomInt } from 'node:crypto'

/** A one-time code of `length` digits, uniform over the whole 10^length space (leading zeros included). */
export function generateCode(length: number): string {
  return randomInt(0, 10 ** length)
    .toString()
    .padStart(length, '0')
}

/**
 * What the user typed, as the code it must be: spaces and dashes are dropped, and what is left must be exactly
 * `length` ASCII digits. Anything else (wrong length, letters, other scripts' digits) is malformed: `undefined`.
 */
export function normalizeCode(input: string, length: number): string | undefined {
  if (input.length > 64) return undefined
  const compact = input.replace(/[ -]/g, '')
  return compact.length === length && /^[0-9]+$/.test(compact) ? compact : undefined
}

/** The SMS text: the template with `{code}` filled in, and the WebOTP origin-bound line when a domain is set. */
export function renderMessage(template: string, code: string, webOtpDomain: string | undefined): string {
  const text = template.split('{code}').join(code)
  return webOtpDomain === undefined ? text : `${text}\n\n@${webOtpDomain} #${code}`
}
