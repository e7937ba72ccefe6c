import type { BenchContext, HttpRow, MetricRow } from '../context.js'
import { expectedStatus, type LoadKind, type LoadResult, type LoadSpec } from '../load-spec.js'
import { cpuMilliseconds } from '../processes.js'
import { redisCounters, redisPerOperation } from '../redis-tools.js'
import { round } from '../stats.js'

/** JIT warm-up before the first measured run against a process. */
export const WARMUP_SECONDS = 2

/** Runs one load and turns it into a table row; numbers used by the run are never handed out again. */
export async function measure(
  ctx: BenchContext,
  name: string,
  spec: Omit<LoadSpec, 'connections' | 'numbersStart' | 'apiKey'> & { connections?: number },
  /** the server process whose CPU time to count (default: the API) */
  serverPid: number | undefined = spec.url === ctx.stack.apiUrl ? ctx.stack.apiPid : undefined,
  /** false for a server that stores nothing (the baseline): its numbers can be handed out again */
  storesNumbers = true,
): Promise<{ row: HttpRow; result: LoadResult }> {
  const cpuBefore = cpuMilliseconds(serverPid)
  const result = await ctx.load.run({
    connections: ctx.connections,
    numbersStart: ctx.numbers.next,
    apiKey: ctx.apiKey,
    ...spec,
  })
  const cpuMs = cpuMilliseconds(serverPid) - cpuBefore
  if (storesNumbers && ['v1-create', 'form-request', 'v2-create', 'mfa-create'].includes(spec.kind)) ctx.numbers.advance(result.numbersUsed)
  const row: HttpRow = {
    name,
    rps: round(result.rps, 0),
    p50: round(result.p50, 2),
    p99: round(result.p99, 2),
    requests: result.requests,
    ...(serverPid === undefined || result.requests === 0 ? {} : { cpuMsPerRequest: round(cpuMs / result.requests, 3) }),
    statuses: result.statuses,
    ...(unexpected(spec.kind, result) === undefined ? {} : { note: unexpected(spec.kind, result) }),
  }
  const cpu = row.cpuMsPerRequest === undefined ? '' : `, ${row.cpuMsPerRequest} ms CPU/request`
  ctx.log(`${name}: ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${cpu} (${result.requests} requests)${row.note === undefined ? '' : `; ${row.note}`}`)
  return { row, result }
}

/** Words for any answer that was not the expected one: a figure built on errors is not a figure. */
export function unexpected(kind: LoadKind, result: LoadResult): string | undefined {
  const want = String(expectedStatus(kind))
  const others = Object.entries(result.statuses).filter(([status]) => status !== want)
  const parts = others.map(([status, count]) => `${count}× ${status}`)
  if (result.errors > 0) parts.push(`${result.errors} connection errors`)
  if (result.unexpectedBodies > 0) parts.push(`${result.unexpectedBodies} wrong bodies`)
  return parts.length === 0 ? undefined : `unexpected: ${parts.join(', ')}`
}

export async function warmUp(ctx: BenchContext, url: string, kind: LoadKind, storesNumbers = true, extra: Pick<LoadSpec, 'basic' | 'service' | 'pairsFile'> = {}): Promise<void> {
  await measure(ctx, `warm-up ${kind}`, { kind, url, duration: WARMUP_SECONDS, ...extra }, undefined, storesNumbers)
}

/** Hello-world Hono, same form parsing: the denominator of every ratio. */
export async function baseline(ctx: BenchContext, baselineUrl: string, baselinePid: number | undefined): Promise<HttpRow> {
  await warmUp(ctx, baselineUrl, 'form-request', false)
  return (await measure(ctx, 'baseline hello-world (POST form)', { kind: 'form-request', url: baselineUrl, duration: ctx.seconds }, baselinePid, false)).row
}

/** POST /v1/verifications as fast as the API answers, and what Redis did per request meanwhile. */
export async function createV1(ctx: BenchContext): Promise<{ row: HttpRow; result: LoadResult; redis: MetricRow }> {
  await warmUp(ctx, ctx.stack.apiUrl, 'v1-create')
  const before = await redisCounters(ctx.redis)
  const measured = await measure(ctx, 'POST /v1/verifications (distinct numbers)', { kind: 'v1-create', url: ctx.stack.apiUrl, duration: ctx.seconds })
  const per = redisPerOperation(before, await redisCounters(ctx.redis), measured.result.requests)
  const redis: MetricRow = {
    name: 'Redis CPU per POST /v1/verifications',
    value: per.cpuUs,
    unit: 'µs',
    note: `commands per request: ${per.top}`,
  }
  return { ...measured, redis }
}

/**
 * The cost ladder of POST /v1/verifications: refused at the key check (framework, middleware, auth), refused as an
 * invalid number (plus body, validation, phone parsing); the create row above adds the store and the queue. The
 * steps' CPU per request say where a create's time goes, measured rather than read off a profile.
 */
export async function createLadder(ctx: BenchContext): Promise<HttpRow[]> {
  const rows: HttpRow[] = []
  for (const [kind, name] of [
    ['v1-create-unauthorized', 'POST /v1/verifications, wrong API key (401)'],
    ['v1-create-invalid', 'POST /v1/verifications, invalid numbers (400)'],
  ] as const) {
    rows.push((await measure(ctx, name, { kind, url: ctx.stack.apiUrl, duration: Math.min(ctx.seconds, 5) }, undefined, false)).row)
  }
  return rows
}

export async function formRequest(ctx: BenchContext): Promise<HttpRow> {
  return (await measure(ctx, 'POST /request-auth (form, distinct numbers)', { kind: 'form-request', url: ctx.stack.apiUrl, duration: ctx.seconds })).row
}

/**
 * Checks against verifications whose code the relay received: wrong codes first (they leave the verification
 * pending, MAX_CHECK_ATTEMPTS is 100), then each right code once (it approves, so a second try would be a 409).
 */
export async function checks(ctx: BenchContext, maxRight: number): Promise<HttpRow[]> {
  const pairs = [...ctx.codes.entries()]
  if (pairs.length === 0) throw new Error('no delivered codes to check against')
  const pairsFile = ctx.load.file('pairs.json', pairs)
  const wrong = await measure(ctx, 'POST /v1/verifications/check (wrong code)', {
    kind: 'v1-check-wrong',
    url: ctx.stack.apiUrl,
    duration: ctx.seconds,
    pairsFile,
  })
  const right = await measure(ctx, 'POST /v1/verifications/check (right code)', {
    kind: 'v1-check-right',
    url: ctx.stack.apiUrl,
    // Each connection builds one request more than it sends: keep clear of wrapping round to an approved one.
    amount: Math.min(pairs.length - 2 * ctx.connections, maxRight),
    pairsFile,
  })
  // Approved verifications cannot be checked again.
  for (const [to] of pairs.slice(0, right.result.numbersUsed)) ctx.codes.delete(to)
  return [wrong.row, right.row]
}
