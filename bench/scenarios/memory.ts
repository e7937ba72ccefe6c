import type { BenchContext, MetricRow } from '../context.js'
import { sleep } from '../processes.js'
import { memoryByKind, usedMemory } from '../redis-tools.js'
import { round } from '../stats.js'
import { createPending, harvestCodes, waitDelivered } from './common.js'

/** The targets: Redis memory per verification, delivered and pending (jobs queued). */
const TARGET_BYTES = 500
const PENDING_TARGET_BYTES = 1_000

/**
 * Redis memory per verification: `used_memory` before, with `count` verifications pending and their jobs queued
 * (no worker), and after one worker delivered them (receipts recorded, worker stopped). Runs on an empty prefix
 * (of a private redis-server when there is one), so that `MEMORY USAGE` of the prefix's keys — which other users
 * of a shared Redis cannot move — can confirm the `used_memory` difference. `where` names the Redis.
 */
export async function memory(ctx: BenchContext, count: number, where: string, withTargets = true): Promise<{ rows: MetricRow[]; details: Record<string, unknown> }> {
  await ctx.stack.stopWorker()
  const before = await usedMemory(ctx.redis)
  await createPending(ctx, count, 'memory')
  await sleep(500)
  const pending = await usedMemory(ctx.redis)
  const pendingKeys = await memoryByKind(ctx.redis, ctx.prefix)

  await ctx.stack.startWorker()
  const messages = await waitDelivered(ctx, count, 120_000)
  // Receipts (queued, initiated, sent, delivered) follow each send by a few milliseconds.
  await sleep(2_000)
  await ctx.stack.stopWorker()
  await harvestCodes(ctx, messages)
  const after = await usedMemory(ctx.redis)
  const afterKeys = await memoryByKind(ctx.redis, ctx.prefix)

  const perPending = (pending - before) / count
  const perDelivered = (after - before) / count
  const keyBytes = (kinds: Record<string, { bytes: number }>): number => Object.values(kinds).reduce((a, k) => a + k.bytes, 0)
  const perDeliveredKeys = keyBytes(afterKeys) / count
  const perPendingKeys = keyBytes(pendingKeys) / count
  const breakdown = (kinds: Record<string, { keys: number; bytes: number }>): string =>
    Object.entries(kinds)
      .map(([kind, k]) => `${kind} ${round(k.bytes / count, 0)} B (${k.keys} keys)`)
      .join(', ')
  ctx.log(`memory: pending ${round(perPending, 0)} B/verification, delivered ${round(perDelivered, 0)} B/verification (keys: ${round(perDeliveredKeys, 0)})`)

  // The targets are for a Redis as it comes; a tuned one (withTargets false) is shown beside it, without.
  const target = (value: number, limit: number): Pick<MetricRow, 'target' | 'met' | 'miss'> => {
    if (!withTargets) return {}
    const met = value <= limit
    return { target: `≤ ${limit} B`, met, ...(met ? {} : { miss: `${round(value - limit, 0)} B over (${round(value / limit, 2)}×)` }) }
  }
  return {
    rows: [
      {
        name: `Redis memory per verification, ${count} pending, jobs queued (${where})`,
        value: round(perPending, 0),
        unit: 'B',
        ...target(perPending, PENDING_TARGET_BYTES),
        note: `MEMORY USAGE of the run's keys: ${round(perPendingKeys, 0)} B (${breakdown(pendingKeys)})`,
      },
      {
        name: `Redis memory per verification, after delivery (${where})`,
        value: round(perDelivered, 0),
        unit: 'B',
        ...target(perDelivered, TARGET_BYTES),
        note: `MEMORY USAGE of the run's keys: ${round(perDeliveredKeys, 0)} B (${breakdown(afterKeys)})`,
      },
    ],
    details: { count, where, usedMemory: { before, pending, after }, pendingKeys, afterKeys },
  }
}
