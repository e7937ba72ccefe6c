/**
 * Where a secret (a code, a phone number) appears in plain text in some text. Digits are matched as a whole run,
 * so a code is not "found" inside a 13-digit timestamp by chance.
 */
export function plaintextLeaks(haystack: string, secrets: readonly string[]): string[] {
  const found: string[] = []
  for (const secret of new Set(secrets)) {
    if (secret.length === 0) continue
    const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    if (new RegExp(`(?<![0-9])${escaped}(?![0-9])`).test(haystack)) found.push(secret)
  }
  return found
}

/** A number's forms that would give it away: E.164 digits and the national significant part (last 10 digits). */
export function numberForms(e164: string): string[] {
  const digits = e164.replace(/\D/g, '')
  return [digits, digits.slice(-10)]
}
