/**
 * Distinct, valid US numbers for load runs: index i → +1 <area> 555 <line>. Every area code below was checked
 * with `parsePhone` (shared/phone.ts) for all 10,000 lines of exchange 555: valid, type FIXED_LINE_OR_MOBILE.
 * Lines whose last four digits make the fake relay misbehave on purpose (test/fake-relay/scenarios.ts) are skipped.
 */
const AREA_CODES = [
  '201', '973', '732', '908', '609', '856', '862', '551', '212', '646', '718', '917', '347', '929', '415',
  '650', '408', '510', '312', '773', '617', '202', '305', '404', '512', '713', '214', '206', '303', '702',
] as const

const RELAY_SCENARIO_LINES = new Set(['0001', '0002', '0400', '0429', '0500', '0600', '0777', '0999'])
const USABLE_LINES: readonly string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0')).filter(
  (line) => !RELAY_SCENARIO_LINES.has(line),
)

/** How many distinct numbers `numberAt` can produce. */
export const NUMBER_SPACE = AREA_CODES.length * USABLE_LINES.length

export function numberAt(rawIndex: number): string {
  if (!Number.isInteger(rawIndex) || rawIndex < 0) throw new RangeError(`number index ${rawIndex} out of range`)
  // Past the space, numbers come round again (a long baseline run on a fast machine); the API then sends again.
  const index = rawIndex % NUMBER_SPACE
  const area = AREA_CODES[Math.floor(index / USABLE_LINES.length)] ?? AREA_CODES[0]
  const line = USABLE_LINES[index % USABLE_LINES.length] ?? '0100'
  return `+1${area}555${line}`
}

/**
 * Hands out disjoint ranges of number indexes, so no two runs send to the same number (a resend is another path).
 * Runs are sequential: a run starts at `next` and, once it knows how many it used, `advance`s past them.
 */
export class NumberCursor {
  private position = 0

  get next(): number {
    return this.position
  }

  advance(used: number): void {
    this.position += used
  }
}
