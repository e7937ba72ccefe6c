import type { BenchContext, MetricRow } from '../context.js'
import type { RelayMessage } from '../relay-client.js'
import { redisCounters, redisPerOperation } from '../redis-tools.js'
import { round } from '../stats.js'
import { cpuMilliseconds, rssMegabytes } from '../processes.js'
import { createPending, harvestCodes, waitDelivered } from './common.js'

const TARGET_SMS_PER_SECOND = 2_000

export interface DrainFigures {
  readonly concurrency: number
  readonly count: number
  /** whether the relay sent delivery receipts (4 messaging.state events per SMS, each written to Redis) */
  readonly receipts: boolean
  /** first to last message at the relay */
  readonly smsPerSecond: number
  /** from the moment the worker registered with the queue to the last message */
  readonly smsPerSecondFromStart: number
  /** Redis CPU per SMS and its busiest commands, while the worker drained */
  readonly redis: { readonly cpuUs: number; readonly top: string }
  /** the worker's resident memory once registered and once drained, MB */
  readonly rss: { readonly start: number; readonly end: number }
  /** CPU ms per SMS of the worker and of the fake relay (which is part of the cost on this machine, not in production) */
  readonly cpuMsPerSms: { readonly worker: number; readonly relay: number }
}

/**
 * One worker drains `count` queued verifications into the relay: the worker's own throughput, with the API idle.
 * `receipts: false` restarts the relay with --no-receipts for this run, to show what receipts cost.
 */
export async function drain(ctx: BenchContext, concurrency: number, count: number, receipts = true): Promise<DrainFigures> {
  const label = `drain c=${concurrency}${receipts ? '' : ' no receipts'}`
  await ctx.stack.stopWorker()
  if (!receipts) {
    await ctx.stack.killRelay()
    await ctx.stack.startRelay({ receipts: false })
  }
  await ctx.stack.relay.reset()
  await createPending(ctx, count, label)
  const before = await redisCounters(ctx.redis)
  const worker = await ctx.stack.startWorker({ WORKER_CONCURRENCY: String(concurrency) })
  const registeredAt = Date.now()
  const rssStart = rssMegabytes(worker.child.pid)
  const workerCpu = cpuMilliseconds(worker.child.pid)
  const relayCpu = cpuMilliseconds(ctx.stack.relayPid())
  const messages = await waitDelivered(ctx, count, 180_000)
  const rssEnd = rssMegabytes(worker.child.pid)
  const cpuMsPerSms = {
    worker: round((cpuMilliseconds(worker.child.pid) - workerCpu) / count, 3),
    relay: round((cpuMilliseconds(ctx.stack.relayPid()) - relayCpu) / count, 3),
  }
  await ctx.stack.stopWorker()
  const redis = redisPerOperation(before, await redisCounters(ctx.redis), count)
  await harvestCodes(ctx, messages)
  if (!receipts) {
    await ctx.stack.killRelay()
    await ctx.stack.startRelay()
  }
  const { first, last } = span(messages)
  const figures: DrainFigures = {
    concurrency,
    count,
    receipts,
    smsPerSecond: round(count / Math.max(0.001, (last - first) / 1000), 0),
    smsPerSecondFromStart: round(count / Math.max(0.001, (last - registeredAt) / 1000), 0),
    redis,
    rss: { start: rssStart, end: rssEnd },
    cpuMsPerSms,
  }
  ctx.log(`${label}: ${figures.smsPerSecond} SMS/s (${figures.smsPerSecondFromStart} from worker start), worker ${cpuMsPerSms.worker} ms CPU/SMS, RSS ${rssStart} → ${rssEnd} MB`)
  return figures
}

export function drainRows(figures: readonly DrainFigures[]): MetricRow[] {
  return figures.map((f) => {
    const met = f.smsPerSecond >= TARGET_SMS_PER_SECOND
    return {
      name: `drain: ${f.count} queued, one worker, WORKER_CONCURRENCY=${f.concurrency}${f.receipts ? '' : ', relay without receipts'}`,
      value: f.smsPerSecond,
      unit: 'SMS/s',
      target: `≥ ${TARGET_SMS_PER_SECOND}`,
      met,
      ...(met ? {} : { miss: `${round(TARGET_SMS_PER_SECOND - f.smsPerSecond, 0)} SMS/s short (${round(f.smsPerSecond / TARGET_SMS_PER_SECOND, 2)}×)` }),
      note:
        `${f.smsPerSecondFromStart} SMS/s from the worker's start; CPU per SMS: worker ${f.cpuMsPerSms.worker} ms, ` +
        `fake relay ${f.cpuMsPerSms.relay} ms; worker RSS ${f.rss.start} → ${f.rss.end} MB; ` +
        `Redis ${f.redis.cpuUs} µs CPU per SMS, commands per SMS: ${f.redis.top}`,
    }
  })
}

function span(messages: readonly RelayMessage[]): { first: number; last: number } {
  let first = Infinity
  let last = -Infinity
  for (const m of messages) {
    if (m.receivedAt < first) first = m.receivedAt
    if (m.receivedAt > last) last = m.receivedAt
  }
  return { first, last }
}
