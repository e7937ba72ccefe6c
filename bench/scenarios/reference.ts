import type { BenchContext, HttpRow, MetricRow } from '../context.js'
import { redisCounters, redisPerOperation } from '../redis-tools.js'
import { measure, warmUp } from './http.js'

/**
 * The reference path (bench/reference-server.ts): the least a create (Hono + one Lua + one BullMQ add) or a check
 * (Hono + one Lua) costs on this stack, measured like the API, in the same run. The service's rows are given as a
 * share of these.
 */
export async function referenceCreate(ctx: BenchContext, url: string, pid: number | undefined): Promise<HttpRow> {
  await warmUp(ctx, url, 'v1-create', false)
  return (await measure(ctx, 'reference create (Hono + 1 Lua + BullMQ add)', { kind: 'v1-create', url, duration: ctx.seconds }, pid, false)).row
}

export async function referenceCheck(ctx: BenchContext, url: string, pid: number | undefined, pairsFile: string): Promise<HttpRow> {
  await warmUp(ctx, url, 'v1-check-wrong', false, { pairsFile })
  return (await measure(ctx, 'reference check (Hono + 1 Lua)', { kind: 'v1-check-wrong', url, duration: ctx.seconds, pairsFile }, pid, false)).row
}

/**
 * What the fraud guard costs a create: the same load against a second API process with FRAUD_GUARD=off, CPU per
 * request and Redis work per request side by side with the guard's.
 */
export async function fraudGuardCost(ctx: BenchContext, withGuard: HttpRow, withGuardRedisUs: number): Promise<{ row: HttpRow; metric: MetricRow }> {
  const extra = await ctx.stack.startExtraApi([], { FRAUD_GUARD: 'off' })
  try {
    await warmUp(ctx, extra.url, 'v1-create')
    const before = await redisCounters(ctx.redis)
    const measured = await measure(ctx, 'POST /v1/verifications, FRAUD_GUARD=off', { kind: 'v1-create', url: extra.url, duration: ctx.seconds }, extra.process.child.pid)
    const per = redisPerOperation(before, await redisCounters(ctx.redis), measured.result.requests)
    const cpuOn = withGuard.cpuMsPerRequest ?? 0
    const cpuOff = measured.row.cpuMsPerRequest ?? 0
    return {
      row: measured.row,
      metric: {
        name: 'fraud guard cost per create (enforce vs off)',
        value: Math.round((cpuOn - cpuOff) * 1000) / 1000,
        unit: 'ms API CPU',
        note: `Redis ${withGuardRedisUs} µs vs ${per.cpuUs} µs per create; off: ${per.top}`,
      },
    }
  } finally {
    await extra.process.stop()
  }
}
