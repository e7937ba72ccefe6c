// `npm run bench`: builds, starts the service and its fakes, measures, prints a table, writes
// bench/results.json and bench/results.md (neither committed), and removes everything it started or stored, also on Ctrl-C.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ProfileSummary } from './cpuprofile.js'
import { formatSummary } from './cpuprofile.js'
import type { BenchContext, HttpRow, MetricRow } from './context.js'
import { createLoadRunner } from './load-client.js'
import { NumberCursor } from './numbers.js'
import { startPrivateRedis } from './private-redis.js'
import { ProcessGroup, freePort } from './processes.js'
import { benchQueue, benchRedis, deletePrefix } from './redis-tools.js'
import { httpTable, machineLine, metricTable, resultsMarkdown, writeResults, type Machine, type Report } from './report.js'
import { discardQueued } from './scenarios/common.js'
import { drain, drainRows, type DrainFigures } from './scenarios/delivery.js'
import { baseline, checks, createLadder, createV1, formRequest } from './scenarios/http.js'
import { memory } from './scenarios/memory.js'
import { providerTrouble, steadyRequestToSms } from './scenarios/outage.js'
import { fraudGuardCost, referenceCheck, referenceCreate } from './scenarios/reference.js'
import { fraudJudgeOnBusyPrefix } from './scenarios/fraud-window.js'
import { surfaces } from './scenarios/surfaces.js'
import { profileApi, profileWorker } from './scenarios/profile.js'
import { sendRate } from './scenarios/rate.js'
import { startStack } from './stack.js'
import { round } from './stats.js'

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')
const quick = process.env.BENCH_QUICK === '1'
// drain: the 20,000 drained at the default concurrency; sweep: other concurrencies (and receipts off) on fewer.
const sizes = quick
  ? { seconds: 3, memory: 2_000, drain: 4_000, sweep: 2_000, concurrencies: [200], workerProfile: 1_000, rateSeconds: 5, maxRightChecks: 5_000 }
  : { seconds: 8, memory: 10_000, drain: 20_000, sweep: 3_000, concurrencies: [200, 1_000], workerProfile: 3_000, rateSeconds: 20, maxRightChecks: 20_000 }
const DEFAULT_CONCURRENCY = 50
/**
 * The targets (issue "Cost of a verification"): requests/s as a share of the same run's reference path, and p99.
 * The reference create is Hono + one Lua + one BullMQ add; the reference check Hono + one Lua (reference-server.ts).
 */
const CREATE_TARGET = { ratio: 0.6, p99Ms: 10, of: 'reference create' }
const FORM_TARGET = { ratio: 0.55, of: 'reference create' }
const CHECK_TARGET = { ratio: 0.6, of: 'reference check' }
const STEADY_RATE = 350
const STEADY_P99_MS = 50
const CONNECTIONS = 50
const SEND_RATE = 50

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

function machine(): Machine {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSafe('/proc/cpuinfo'))?.[1] ?? cpus()[0]?.model ?? 'unknown'
  return { nproc: availableParallelism(), cpu: model.trim(), node: process.version, date: new Date().toISOString(), loadAverage: loadavg().map((l) => round(l, 2)) }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

function build(): void {
  log('npm run build')
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] })
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${String(result.status)})`)
}

async function main(): Promise<void> {
  const started = Date.now()
  const machineInfo = machine()
  build()

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const prefix = `bench-${randomBytes(5).toString('hex')}`
  const apiKey = randomBytes(24).toString('hex')
  const secretKey = randomBytes(30).toString('base64') // 40 characters
  const redis = benchRedis(redisUrl)
  await redis.ping()
  const queue = benchQueue(redis, prefix)
  const processes = new ProcessGroup()
  const tmp = mkdtempSync(join(tmpdir(), 'sms-2fa-bench-'))

  let cleaned: Promise<void> | undefined
  const cleanup = (): Promise<void> =>
    (cleaned ??= (async () => {
      await processes.stopAll().catch((e: unknown) => log(`stopping processes: ${String(e)}`))
      await queue.close().catch(() => undefined)
      const removed = await deletePrefix(redis, prefix).catch((e: unknown) => {
        log(`could not delete the run's keys (${prefix}): ${String(e)}`)
        return 0
      })
      redis.disconnect()
      if (process.env.BENCH_KEEP === '1') log(`kept ${tmp}`)
      else rmSync(tmp, { recursive: true, force: true })
      log(`cleaned up: processes stopped, ${removed} keys deleted`)
    })())
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping`)
    void cleanup().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  try {
    const baselinePort = await freePort()
    const baselineServer = processes.start('baseline', ['--import', 'tsx', 'bench/baseline-server.ts', '--port', String(baselinePort)], {}, root)
    await baselineServer.waitForLine((l) => l.startsWith('{'), 20_000)
    const referencePort = await freePort()
    const referenceServer = processes.start(
      'reference',
      ['--import', 'tsx', 'bench/reference-server.ts', '--port', String(referencePort), '--redis', redisUrl, '--prefix', prefix],
      {},
      root,
    )
    await referenceServer.waitForLine((l) => l.startsWith('{'), 20_000)
    const referenceUrl = `http://127.0.0.1:${referencePort}`
    const stack = await startStack({ processes, root, queue, redisUrl, prefix, apiKey, secretKey })
    const ctx: BenchContext = {
      quick,
      connections: CONNECTIONS,
      seconds: sizes.seconds,
      stack,
      load: createLoadRunner({ processes, root, tmp }),
      numbers: new NumberCursor(),
      redis,
      queue,
      prefix,
      apiKey,
      tmp,
      codes: new Map(),
      log,
    }
    log(`prefix ${prefix}; API ${stack.apiUrl}; baseline http://127.0.0.1:${baselinePort}`)

    const http: HttpRow[] = []
    const metrics: MetricRow[] = []
    const details: Record<string, unknown> = {}

    // BENCH_ONLY=steady: only the steady request-to-SMS runs (looking into their latency without the rest).
    if (process.env.BENCH_ONLY === 'steady') {
      const rows = await steadyRequestToSms(ctx, STEADY_RATE, 3, STEADY_P99_MS)
      process.stdout.write(`\n${metricTable(rows)}\n`)
      return
    }

    const memoryOptions = { processes, root, prefix, apiKey, secretKey, tmp }
    const mem = await memoryOnOwnRedis(ctx, memoryOptions)
    details.memory = mem.details
    // What a Redis configured for it would hold: BullMQ keeps each job's options (its id, attempts, backoff) as
    // one JSON value of more than 64 bytes, which turns every queued job's hash into a full hash table.
    const memTuned = await memoryOnOwnRedis(ctx, memoryOptions, ['--hash-max-listpack-value', '128'])

    const base = await baseline(ctx, `http://127.0.0.1:${baselinePort}`, baselineServer.child.pid)
    const refCreate = await referenceCreate(ctx, referenceUrl, referenceServer.child.pid)
    const create = await createV1(ctx)
    const form = await formRequest(ctx)
    const ladder = await createLadder(ctx)
    await discardQueued(ctx)
    const vsBaseline = (row: HttpRow): HttpRow => ({
      ...row,
      ratio: round(row.rps / Math.max(1, base.rps), 2),
      ratioOf: 'rps vs baseline',
      ...(row.cpuMsPerRequest === undefined || base.cpuMsPerRequest === undefined || base.cpuMsPerRequest === 0
        ? {}
        : { cpuRatio: round(row.cpuMsPerRequest / base.cpuMsPerRequest, 1) }),
    })
    const vsReference = (row: HttpRow, reference: HttpRow, of: string): HttpRow => ({ ...vsBaseline(row), ratio: round(row.rps / Math.max(1, reference.rps), 2), ratioOf: `rps vs ${of}` })
    http.push(
      vsBaseline(base),
      vsBaseline(refCreate),
      ...ladder.map(vsBaseline),
      withTarget(vsReference(create.row, refCreate, 'reference create'), CREATE_TARGET),
      withTarget(vsReference(form, refCreate, 'reference create'), FORM_TARGET),
    )
    const surfaceRows = await surfaces(ctx)
    await discardQueued(ctx)
    const guard = await fraudGuardCost(ctx, create.row, create.redis.value)
    await discardQueued(ctx)
    http.push(vsReference(guard.row, refCreate, 'reference create'))

    const mainDrain = await drain(ctx, DEFAULT_CONCURRENCY, sizes.drain)
    const drains: DrainFigures[] = [mainDrain]
    for (const c of sizes.concurrencies) drains.push(await drain(ctx, c, sizes.sweep))
    const best = drains.reduce((a, b) => (b.smsPerSecond > a.smsPerSecond ? b : a))
    drains.push(await drain(ctx, best.concurrency, sizes.sweep, false))
    metrics.push(...drainRows(drains), create.redis)

    // Against the verifications the drains delivered (their codes were read at the relay).
    const pairsFile = ctx.load.file('reference-pairs.json', [...ctx.codes.entries()])
    const refCheck = await referenceCheck(ctx, referenceUrl, referenceServer.child.pid, pairsFile)
    const [wrongCheck, rightCheck] = await checks(ctx, sizes.maxRightChecks)
    http.push(vsBaseline(refCheck))
    if (wrongCheck !== undefined) http.push(withTarget(vsReference(wrongCheck, refCheck, 'reference check'), CHECK_TARGET))
    if (rightCheck !== undefined) http.push(vsReference(rightCheck, refCheck, 'reference check'))
    const [v2Create, v2Check, mfaCreate] = surfaceRows
    if (v2Create !== undefined) http.push(vsReference(v2Create, refCreate, 'reference create'))
    if (v2Check !== undefined) http.push(vsReference(v2Check, refCheck, 'reference check'))
    if (mfaCreate !== undefined) http.push(vsReference(mfaCreate, refCreate, 'reference create'))
    metrics.push(guard.metric)
    const busyPrefix = await fraudJudgeOnBusyPrefix(processes, root, tmp)
    if (busyPrefix !== undefined) metrics.push(busyPrefix)
    // Well below saturation of both the API (a sixth of its closed-loop rate) and the worker (a quarter of its drain
    // rate), since both share the machine then: p99 and request-to-SMS latency are the service's own, not a queue's.
    const rate = Math.max(50, Math.floor(Math.min(create.result.rps / 6, mainDrain.smsPerSecond / 4) / 50) * 50)
    const trouble = await providerTrouble(ctx, rate)
    http.push(...trouble.http)
    metrics.push(...trouble.metrics)

    metrics.push(...(await steadyRequestToSms(ctx, STEADY_RATE, 3, STEADY_P99_MS)))
    metrics.push(await sendRate(ctx, SEND_RATE, sizes.rateSeconds))
    metrics.push(...mem.rows, ...memTuned.rows)

    const profiles: { api?: ProfileSummary; worker?: ProfileSummary } = {}
    try {
      profiles.api = await profileApi(ctx, root)
      profiles.worker = await profileWorker(ctx, root, best.concurrency, sizes.workerProfile)
    } catch (error) {
      log(`profile incomplete: ${String(error)}`)
    }

    const report: Report = {
      machine: machineInfo,
      settings: { connections: CONNECTIONS, seconds: sizes.seconds, quick },
      wallSeconds: Math.round((Date.now() - started) / 1000),
      http,
      metrics,
      profiles,
      details,
    }
    process.stdout.write(`\n${machineLine(report.machine)}\n\n${httpTable(http)}\n\n${metricTable(metrics)}\n\n${targetTable(http, metrics)}\n`)
    if (profiles.api !== undefined) process.stdout.write(`\nAPI CPU profile under POST /v1/verifications:\n${formatSummary(profiles.api)}\n`)
    if (profiles.worker !== undefined) process.stdout.write(`\nWorker CPU profile while draining (c=${best.concurrency}):\n${formatSummary(profiles.worker)}\n`)
    process.stdout.write(`\nwall time ${report.wallSeconds} s\n`)
    writeResults(join(root, 'bench', 'results.json'), report)
    writeFileSync(join(root, 'bench', 'results.md'), resultsMarkdown(report))
  } finally {
    await cleanup()
  }
}

/** Every target of the run, with its figure: the table the issue asks `npm run bench` to print. */
function targetTable(http: readonly HttpRow[], metrics: readonly MetricRow[]): string {
  const lines = ['| target | figure | |', '|---|---|---|']
  for (const r of http) if (r.target !== undefined) lines.push(`| ${r.name}: ${r.target} | ${String(r.ratio)}× (${r.ratioOf ?? ''}), p99 ${r.p99} ms | ${r.met === true ? 'met' : 'MISSED'} |`)
  for (const m of metrics) if (m.target !== undefined) lines.push(`| ${m.name}: ${m.target} | ${m.value} ${m.unit} | ${m.met === true ? 'met' : 'MISSED'} |`)
  return `Targets:\n${lines.join('\n')}`
}

function withTarget(row: HttpRow, target: { ratio: number; p99Ms?: number; of?: string }): HttpRow {
  const ratio = row.ratio ?? 0
  const misses: string[] = []
  if (ratio < target.ratio) misses.push(`ratio ${ratio}, ${round(ratio / target.ratio, 2)} of the ${target.ratio} asked`)
  if (target.p99Ms !== undefined && row.p99 > target.p99Ms) misses.push(`p99 ${row.p99} ms, ${round(row.p99 / target.p99Ms, 1)}× the ${target.p99Ms} ms asked`)
  return {
    ...row,
    target: `≥ ${target.ratio}× ${target.of ?? 'baseline'}${target.p99Ms === undefined ? '' : `, p99 ≤ ${target.p99Ms} ms`}`,
    met: misses.length === 0,
    ...(misses.length === 0 ? {} : { miss: misses.join(', ') }),
  }
}

/**
 * The memory scenario on a redis-server of its own (its own API, relay and worker too) when one can be started,
 * so that used_memory is not moved by other users of the shared Redis; on the shared Redis otherwise.
 */
async function memoryOnOwnRedis(
  ctx: BenchContext,
  options: { processes: ProcessGroup; root: string; prefix: string; apiKey: string; secretKey: string; tmp: string },
  redisArgs: readonly string[] = [],
): Promise<{ rows: MetricRow[]; details: Record<string, unknown> }> {
  const own = await startPrivateRedis(options.processes, options.tmp, redisArgs)
  const where = redisArgs.length === 0 ? 'private redis-server' : `private redis-server ${redisArgs.join(' ')}`
  if (own === undefined) {
    if (redisArgs.length > 0) return { rows: [], details: {} }
    log('redis-server not found: measuring memory on the shared Redis')
    return memory(ctx, sizes.memory, 'shared Redis')
  }
  const redis = benchRedis(own.url)
  const queue = benchQueue(redis, options.prefix)
  try {
    const stack = await startStack({ ...options, queue, redisUrl: own.url })
    try {
      return await memory({ ...ctx, stack, redis, queue, codes: new Map() }, sizes.memory, where, redisArgs.length === 0)
    } finally {
      await stack.stop()
    }
  } finally {
    await queue.close()
    redis.disconnect()
    await own.process.stop()
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exit(1)
  },
)
