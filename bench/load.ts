// The load generator: one process of its own, so it shares no event loop with the bench or the servers.
// Closed loop (as fast as the server answers): autocannon. Open loop at a fixed rate: requests sent on a steady
// schedule over keep-alive sockets, latency counted from the scheduled time (autocannon's own rate limiting
// sends each second's quota in one burst, which measures the burst rather than the server).
import autocannon, { type RequestData } from 'autocannon'
import { readFileSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { expectedStatus, type LoadResult, type LoadSpec } from './load-spec.js'
import { numberAt } from './numbers.js'
import { percentile } from './stats.js'

/** One kind of request: fixed method, path and headers, a new body per call. */
interface RequestKind {
  readonly method: 'POST'
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: () => string
  readonly onResponse?: (status: number, body: string) => void
}

interface Tally {
  used: number
  unexpectedBodies: number
  readonly created: Array<readonly [string, number]>
}

function readSpec(): LoadSpec {
  const path = process.argv[2]
  if (path === undefined) throw new Error('usage: load.ts <spec.json>')
  return JSON.parse(readFileSync(path, 'utf8')) as LoadSpec
}

function readPairs(path: string | undefined): Array<readonly [string, string]> {
  if (path === undefined) throw new Error('a check run needs pairsFile')
  const pairs = JSON.parse(readFileSync(path, 'utf8')) as Array<readonly [string, string]>
  if (pairs.length === 0) throw new Error('no prepared verifications to check')
  return pairs
}

/** A different code of the same length: the last digit changed. */
function wrongCode(code: string): string {
  return `${code.slice(0, -1)}${(Number(code.at(-1) ?? '0') + 1) % 10}`
}

function requestKind(spec: LoadSpec, tally: Tally): RequestKind {
  const start = spec.numbersStart ?? 0
  const json = { 'content-type': 'application/json', authorization: `Bearer ${spec.apiKey ?? ''}` }
  switch (spec.kind) {
    case 'form-request':
      return {
        method: 'POST',
        path: '/request-auth',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: () => `number=${encodeURIComponent(numberAt(start + tally.used++))}`,
      }
    case 'v1-create':
      return {
        method: 'POST',
        path: '/v1/verifications',
        headers: json,
        body: () => JSON.stringify({ to: numberAt(start + tally.used++), channel: 'sms' }),
        ...(spec.collectCreated === true
          ? {
              onResponse: (status: number, body: string) => {
                if (status !== 201) return
                const v = JSON.parse(body) as { to: string; createdAt: string }
                tally.created.push([v.to, Date.parse(v.createdAt)])
              },
            }
          : {}),
      }
    case 'v1-create-unauthorized':
      return {
        method: 'POST',
        path: '/v1/verifications',
        headers: { ...json, authorization: 'Bearer not-the-key' },
        body: () => JSON.stringify({ to: numberAt(start + tally.used++), channel: 'sms' }),
      }
    case 'v1-create-invalid':
      return {
        method: 'POST',
        path: '/v1/verifications',
        headers: json,
        body: () => JSON.stringify({ to: numberAt(start + tally.used++).slice(0, -1), channel: 'sms' }),
      }
    case 'v2-create':
      return {
        method: 'POST',
        path: `/v2/Services/${spec.service ?? ''}/Verifications`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: spec.basic ?? '' },
        body: () => `To=${encodeURIComponent(numberAt(start + tally.used++))}&Channel=sms`,
      }
    case 'v2-check-wrong': {
      const pairs = readPairs(spec.pairsFile)
      return {
        method: 'POST',
        path: `/v2/Services/${spec.service ?? ''}/VerificationCheck`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: spec.basic ?? '' },
        body: () => {
          const [to, code] = pairs[tally.used++ % pairs.length] ?? ['', '']
          return `To=${encodeURIComponent(to)}&Code=${wrongCode(code)}`
        },
        onResponse: (status: number, body: string) => {
          if (status === 200 && !body.includes('"valid":false')) tally.unexpectedBodies++
        },
      }
    }
    case 'mfa-create':
      return {
        method: 'POST',
        path: '/api/relay/rest/mfa/sms',
        headers: { 'content-type': 'application/json', authorization: spec.basic ?? '' },
        body: () => JSON.stringify({ to: numberAt(start + tally.used++) }),
      }
    case 'v1-check-right':
    case 'v1-check-wrong': {
      const pairs = readPairs(spec.pairsFile)
      const right = spec.kind === 'v1-check-right'
      const marker = right ? '"valid":true' : '"valid":false'
      const expected = expectedStatus(spec.kind)
      return {
        method: 'POST',
        path: '/v1/verifications/check',
        headers: json,
        body: () => {
          const [to, code] = pairs[tally.used++ % pairs.length] ?? ['', '']
          return JSON.stringify({ to, code: right ? code : wrongCode(code) })
        },
        onResponse: (status: number, body: string) => {
          if (status === expected && !body.includes(marker)) tally.unexpectedBodies++
        },
      }
    }
  }
}

interface Samples {
  readonly latencies: number[]
  readonly statuses: Record<string, number>
  errors: number
  seconds: number
}

function newSamples(): Samples {
  return { latencies: [], statuses: {}, errors: 0, seconds: 0 }
}

function record(samples: Samples, status: number, latencyMs: number): void {
  samples.latencies.push(latencyMs)
  samples.statuses[status] = (samples.statuses[status] ?? 0) + 1
}

async function closedLoop(spec: LoadSpec, kind: RequestKind): Promise<Samples> {
  const samples = newSamples()
  let firstAt = 0
  let lastAt = 0
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount === undefined ? { duration: spec.duration ?? 10 } : { amount: spec.amount }),
    timeout: 30,
    requests: [
      {
        method: kind.method,
        path: kind.path,
        headers: kind.headers,
        setupRequest: (req: RequestData) => ({ ...req, body: kind.body() }),
        ...(kind.onResponse === undefined ? {} : { onResponse: kind.onResponse }),
      },
    ],
  })
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    const now = performance.now()
    if (firstAt === 0) firstAt = now - responseTime
    lastAt = now
    record(samples, statusCode, responseTime)
  })
  process.once('SIGTERM', () => instance.stop())
  const result = await instance
  samples.errors = result.errors
  samples.seconds = lastAt > firstAt ? (lastAt - firstAt) / 1000 : result.duration
  return samples
}

async function openLoop(spec: LoadSpec, kind: RequestKind, rate: number): Promise<Samples> {
  const samples = newSamples()
  const url = new URL(spec.url)
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections })
  const total = spec.amount ?? Math.round(rate * (spec.duration ?? 10))
  const interval = 1000 / rate
  let inFlight = 0
  let settle: (() => void) | undefined

  const fire = (scheduledAt: number): void => {
    inFlight++
    const body = kind.body()
    const done = (): void => {
      if (--inFlight === 0) settle?.()
    }
    const req = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: kind.method,
        path: kind.path,
        headers: { ...kind.headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const status = res.statusCode ?? 0
          record(samples, status, performance.now() - scheduledAt)
          kind.onResponse?.(status, Buffer.concat(chunks).toString('utf8'))
          done()
        })
      },
    )
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')))
    req.on('error', () => {
      samples.errors++
      done()
    })
    req.end(body)
  }

  const started = performance.now()
  for (let i = 0; i < total; ) {
    const now = performance.now()
    // Everything that is due goes now, each stamped with the time it was due (no coordinated omission).
    while (i < total && started + i * interval <= now) fire(started + i++ * interval)
    if (i < total) await new Promise((r) => setTimeout(r, Math.max(0, started + i * interval - performance.now())))
  }
  if (inFlight > 0) await new Promise<void>((resolve) => (settle = resolve))
  samples.seconds = (performance.now() - started) / 1000
  agent.destroy()
  return samples
}

async function main(): Promise<void> {
  const spec = readSpec()
  const tally: Tally = { used: 0, unexpectedBodies: 0, created: [] }
  const kind = requestKind(spec, tally)
  // Starting this process (tsx, autocannon) takes most of a core for a moment: it must not fall inside the window
  // it measures. Say so once loaded, and begin when told (SIGUSR2).
  await new Promise<void>((resolve) => {
    // A signal handler alone does not keep the process alive.
    const alive = setInterval(() => undefined, 1_000)
    process.once('SIGUSR2', () => {
      clearInterval(alive)
      resolve()
    })
    process.stdout.write('ready\n')
  })
  const samples = spec.overallRate === undefined ? await closedLoop(spec, kind) : await openLoop(spec, kind, spec.overallRate)

  const latencies = samples.latencies.sort((a, b) => a - b)
  const out: LoadResult = {
    requests: latencies.length,
    seconds: samples.seconds,
    rps: samples.seconds > 0 ? latencies.length / samples.seconds : 0,
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? 0,
    statuses: samples.statuses,
    unexpectedBodies: tally.unexpectedBodies,
    errors: samples.errors,
    numbersUsed: tally.used,
    ...(spec.collectCreated === true ? { created: tally.created } : {}),
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
