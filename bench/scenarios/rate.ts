import type { BenchContext, MetricRow } from '../context.js'
import { sleep } from '../processes.js'
import { round } from '../stats.js'
import { createPending, discardQueued } from './common.js'

const TOLERANCE = 0.05
/** A pause longer than this between two messages starts a new limiter window's burst. */
const BURST_GAP_MS = 200

/**
 * SEND_RATE_PER_SECOND (BullMQ's limiter, kept in Redis): with more jobs queued than the window can send, run
 * the worker for `seconds` and measure the rate over whole limiter windows at the relay. The note also gives the
 * mean time between bursts (1,000 ms when the limiter keeps its own pace).
 */
export async function sendRate(ctx: BenchContext, rate: number, seconds: number): Promise<MetricRow> {
  await discardQueued(ctx)
  await ctx.stack.relay.reset()
  await createPending(ctx, Math.ceil(rate * seconds * 1.3) + 100, `rate ${rate}/s`)
  await ctx.stack.startWorker({ SEND_RATE_PER_SECOND: String(rate) })
  await sleep(seconds * 1000 + 1_500)
  const times = (await ctx.stack.relay.messages()).map((m) => m.receivedAt).sort((a, b) => a - b)
  await discardQueued(ctx)
  await ctx.stack.relay.reset()

  // The limiter lets each window's quota go at once, so counting messages in a fixed span from the first one
  // is off by a whole burst whenever a burst lands just inside its end. Measure whole windows instead: the
  // messages sent before the last burst, over the time from the first burst to the last.
  const first = times[0] ?? 0
  const burstStarts = times.flatMap((t, i) => (i === 0 || t - (times[i - 1] ?? t) > BURST_GAP_MS ? [i] : []))
  const lastStart = burstStarts.at(-1) ?? 0
  const span = (times[lastStart] ?? first) - first
  const period = burstStarts.length > 1 ? span / (burstStarts.length - 1) : 0
  const inWindow = lastStart
  const achieved = span > 0 ? round((inWindow / span) * 1000, 2) : 0
  const error = round(achieved / rate - 1, 4)
  const met = Math.abs(error) <= TOLERANCE
  ctx.log(`rate: asked ${rate}/s, achieved ${achieved}/s over ${seconds} s; one burst every ${round(period, 0)} ms`)
  return {
    name: `SEND_RATE_PER_SECOND=${rate}, ${seconds} s`,
    value: achieved,
    unit: 'SMS/s',
    target: `${rate} ± ${TOLERANCE * 100}%`,
    met,
    ...(met ? {} : { miss: `${round(error * 100, 1)}%, ${round(Math.abs(error) * 100 - TOLERANCE * 100, 1)} points outside the tolerance` }),
    note: `${inWindow} messages in ${burstStarts.length - 1} limiter windows (${round(span / 1000, 2)} s from the first burst to the last); a burst every ${round(period, 0)} ms on average`,
  }
}
