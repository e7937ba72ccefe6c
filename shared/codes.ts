import { randomInt } from 'node:crypto'

/**
 * One-time codes. Digits by default; letters and digits where a caller asks for them (SignalWire MFA's
 * `allow_alphas`). Every character is drawn uniformly with `crypto.randomInt`.
 */
export type CodeAlphabet = 'digits' | 'alphanumeric'

export interface CodeFormat {
  readonly length: number
  readonly alphabet: CodeAlphabet
}

const CHARACTERS: Record<CodeAlphabet, string> = {
  digits: '0123456789',
  alphanumeric: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ',
}

/** A code of `length` characters, uniform over the whole space (leading zeros included). */
export function generateCode(length: number, alphabet: CodeAlphabet = 'digits'): string {
  const characters = CHARACTERS[alphabet]
  let code = ''
  for (let i = 0; i < length; i++) code += characters[randomInt(0, characters.length)] ?? ''
  return code
}

/**
 * What the user typed, as the code it must be: spaces and dashes are dropped, letters are upper-cased, and what is
 * left must be `length` characters of the alphabet (ASCII only: other scripts' digits are not digits here).
 * Anything else is malformed: `undefined`. Without a `length`, any length from 4 to 20 is taken (the verification
 * then says whether it is its length).
 */
export function normalizeCode(input: string, format: { readonly length?: number; readonly alphabet?: CodeAlphabet }): string | undefined {
  if (input.length > 64) return undefined
  const compact = input.replace(/[ -]/g, '').toUpperCase()
  const pattern = format.alphabet === 'alphanumeric' ? /^[0-9A-Z]+$/ : /^[0-9]+$/
  const lengthOk = format.length === undefined ? compact.length >= 4 && compact.length <= 20 : compact.length === format.length
  return lengthOk && pattern.test(compact) ? compact : undefined
}
