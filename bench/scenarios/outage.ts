import type { BenchContext, HttpRow, MetricRow } from '../context.js'
import type { LoadResult } from '../load-spec.js'
import { availableParallelism } from 'node:os'
import { cpuMilliseconds, machineCpuMilliseconds, sleep } from '../processes.js'
import { redisCounters } from '../redis-tools.js'
import { percentile, round } from '../stats.js'
import { discardQueued, harvestCodes, waitDelivered } from './common.js'
import { measure, WARMUP_SECONDS } from './http.js'

const TARGET_RATIO = 1.2
const SLOW_SEND_MS = 500

/**
 * The API must answer the same whatever the provider does: POST /v1/verifications p99 with the worker running
 * against a healthy relay, a relay that takes 500 ms per send, and no relay at all. The load is open-loop at
 * `rate` requests/s (well below what the API can do), so p99 measures the API, not a queue in front of it.
 * The healthy run happens before and after the other two; their mean is the reference, and their ratio to each
 * other shows how much of a difference the machine's noise alone makes.
 * The first healthy run also gives request-to-SMS latency at that steady rate.
 */
export async function providerTrouble(ctx: BenchContext, rate: number): Promise<{ http: HttpRow[]; metrics: MetricRow[] }> {
  const run = async (name: string, collectCreated = false): Promise<{ row: HttpRow; result: LoadResult }> =>
    measure(ctx, name, { kind: 'v1-create', url: ctx.stack.apiUrl, duration: ctx.seconds, overallRate: rate, collectCreated })

  await ctx.stack.relay.reset()
  await ctx.stack.startWorker()
  const first = await run(`POST /v1/verifications at ${rate}/s, relay healthy (before)`, true)
  const healthy1 = first.row
  const metrics = await requestToSms(ctx, rate, first.result)

  await ctx.stack.relay.delay(SLOW_SEND_MS)
  const slow = (await run(`POST /v1/verifications at ${rate}/s, relay ${SLOW_SEND_MS} ms per send`)).row

  await ctx.stack.killRelay()
  await sleep(1_000)
  const down = (await run(`POST /v1/verifications at ${rate}/s, relay down`)).row

  // Back to a clean, healthy state: no backlog of slow or failed sends competing for the CPU.
  const stopping = Date.now()
  await discardQueued(ctx)
  const stopSeconds = round((Date.now() - stopping) / 1000, 1)
  ctx.log(`worker stopped (SIGTERM) with the relay down in ${stopSeconds} s`)
  await ctx.stack.startRelay()
  await ctx.stack.startWorker()
  const healthy2 = (await run(`POST /v1/verifications at ${rate}/s, relay healthy (after)`)).row
  await discardQueued(ctx)
  await ctx.stack.relay.reset()

  const reference = (healthy1.p99 + healthy2.p99) / 2
  const compare = (row: HttpRow, target: boolean): HttpRow => {
    const ratio = round(row.p99 / Math.max(0.01, reference), 2)
    return {
      ...row,
      ratio,
      ratioOf: 'p99 vs healthy relay',
      ...(target ? { target: `p99 ≤ ${TARGET_RATIO}× healthy`, met: ratio <= TARGET_RATIO } : {}),
    }
  }
  const downRow = compare(down, true)
  const stopNote = `worker took ${stopSeconds} s to stop on SIGTERM with the relay down`
  return {
    http: [
      compare(healthy1, false),
      compare(healthy2, false),
      compare(slow, true),
      { ...downRow, note: downRow.note === undefined ? stopNote : `${downRow.note}; ${stopNote}` },
    ],
    metrics,
  }
}

/** Verification createdAt → relay receivedAt, for every verification of a steady-rate run, once all are sent. */
export async function requestToSms(ctx: BenchContext, rate: number, result: LoadResult): Promise<MetricRow[]> {
  const created = new Map(result.created ?? [])
  const messages = await waitDelivered(ctx, created.size, 120_000)
  await harvestCodes(ctx, messages)
  const latencies = messages
    .map((m) => {
      const at = created.get(m.to)
      return at === undefined ? undefined : m.receivedAt - at
    })
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b)
  const p50 = percentile(latencies, 0.5)
  const p99 = percentile(latencies, 0.99)
  ctx.log(`request-to-SMS at ${rate}/s: p50 ${p50} ms, p99 ${p99} ms (${latencies.length} messages); p99 by second of the run: ${bySecond(created, messages).join(' ')}`)
  const how = `${latencies.length} verifications at ${rate}/s, one worker (WORKER_CONCURRENCY=50): createdAt → relay receivedAt`
  return [
    { name: `request-to-SMS latency p50 at ${rate} requests/s`, value: p50, unit: 'ms', note: how },
    { name: `request-to-SMS latency p99 at ${rate} requests/s`, value: p99, unit: 'ms' },
  ]
}

/** How long a fresh worker takes load before a steady run is measured: the p99 of each second settles after 3–4 s. */
const STEADY_WARMUP_SECONDS = 5

/** The p99 of each second of a run (by creation time): where in the run the slow ones were. */
function bySecond(created: ReadonlyMap<string, number>, messages: readonly { readonly to: string; readonly receivedAt: number }[]): number[] {
  const first = Math.min(...created.values())
  const seconds: number[][] = []
  for (const m of messages) {
    const at = created.get(m.to)
    if (at === undefined) continue
    ;(seconds[Math.floor((at - first) / 1000)] ??= []).push(m.receivedAt - at)
  }
  return seconds.map((l) => percentile(l.sort((a, b) => a - b), 0.99))
}

/**
 * Request-to-SMS latency at a steady rate, `runs` times (each run a fresh worker): p99 of each run, so a swing
 * between runs shows rather than averaging away.
 */
export async function steadyRequestToSms(ctx: BenchContext, rate: number, runs: number, target: number): Promise<MetricRow[]> {
  const rows: MetricRow[] = []
  for (let run = 1; run <= runs; run++) {
    await ctx.stack.startWorker()
    // A worker just started runs cold (its JIT, its RELAY session): steady means after that. The warm-up's own
    // latency is logged, not counted.
    const warm = await measure(ctx, `warm-up at ${rate}/s (run ${run})`, { kind: 'v1-create', url: ctx.stack.apiUrl, duration: ctx.quick ? WARMUP_SECONDS : STEADY_WARMUP_SECONDS, overallRate: rate, collectCreated: true })
    await requestToSms(ctx, rate, warm.result)
    await ctx.stack.relay.reset()
    const cpu = await cpuWindow(ctx)
    const measured = await measure(ctx, `POST /v1/verifications at ${rate}/s (run ${run})`, { kind: 'v1-create', url: ctx.stack.apiUrl, duration: ctx.seconds, overallRate: rate, collectCreated: true })
    const cores = await cpu()
    ctx.log(`at ${rate}/s (run ${run}): ${cores}`)
    const [p50, p99] = await requestToSms(ctx, rate, measured.result)
    const value = Number(p99?.value ?? Infinity)
    rows.push({
      name: `request-to-SMS p99 at a steady ${rate}/s, run ${run} of ${runs}`,
      value,
      unit: 'ms',
      target: `≤ ${target} ms`,
      met: value <= target,
      ...(value <= target ? {} : { miss: `${value} ms` }),
      note: `p50 ${String(p50?.value)} ms; ${cores}; ${p50?.note ?? ''}`,
    })
    await discardQueued(ctx)
  }
  return rows
}

/**
 * How many cores were in use over a window: the machine's, and the stack's processes' (API, worker, fake relay,
 * Redis); the rest is the load generator and whatever else shares the machine. A steady run whose latency swings
 * with the machine near its cores shows it here.
 */
async function cpuWindow(ctx: BenchContext): Promise<() => Promise<string>> {
  const processes: Array<[string, number | undefined]> = [
    ['API', ctx.stack.apiPid],
    ['worker', ctx.stack.workerPid()],
    ['fake relay', ctx.stack.relayPid()],
  ]
  const machine = machineCpuMilliseconds()
  const redis = (await redisCounters(ctx.redis)).cpuUs
  const before = processes.map(([, pid]) => cpuMilliseconds(pid))
  const started = performance.now()
  return async () => {
    const wallMs = Math.max(1, performance.now() - started)
    const cores = (ms: number): number => round(ms / wallMs, 2)
    const parts = processes.map(([name, pid], i) => ({ name, cores: cores(cpuMilliseconds(pid) - (before[i] ?? 0)) }))
    parts.push({ name: 'Redis', cores: cores(((await redisCounters(ctx.redis)).cpuUs - redis) / 1000) })
    const now = machineCpuMilliseconds()
    const count = availableParallelism()
    const busy = round(((now.busy - machine.busy) / Math.max(1, now.all - machine.all)) * count, 2)
    const rest = round(busy - parts.reduce((a, p) => a + p.cores, 0), 2)
    return `cores in use ${busy} of ${count}: ${parts.map((p) => `${p.name} ${p.cores}`).join(', ')}, the rest (load generator, other work) ${Math.max(0, rest)}`
  }
}
