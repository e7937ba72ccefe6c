import { writeFileSync } from 'node:fs'
import { formatSummary, type ProfileSummary } from './cpuprofile.js'
import type { HttpRow, MetricRow } from './context.js'

export interface Machine {
  readonly nproc: number
  readonly cpu: string
  readonly node: string
  readonly date: string
  readonly loadAverage: readonly number[]
}

export interface Report {
  readonly machine: Machine
  readonly settings: { readonly connections: number; readonly seconds: number; readonly quick: boolean }
  readonly wallSeconds: number
  readonly http: readonly HttpRow[]
  readonly metrics: readonly MetricRow[]
  readonly profiles: { readonly api?: ProfileSummary; readonly worker?: ProfileSummary }
  readonly details: Record<string, unknown>
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align: ReadonlyArray<'l' | 'r'>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const cell = (text: string, i: number): string => ((align[i] ?? 'l') === 'r' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0))
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`
  return [line(header), `|${widths.map((w, i) => ((align[i] ?? 'l') === 'r' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`, ...rows.map(line)].join('\n')
}

function verdict(met: boolean | undefined, miss?: string): string {
  if (met === undefined) return ''
  return met ? 'met' : `MISSED${miss === undefined ? '' : `: ${miss}`}`
}

export function httpTable(rows: readonly HttpRow[]): string {
  return table(
    ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'CPU ms/req', 'CPU vs baseline', 'target', 'notes'],
    rows.map((r) => [
      r.name,
      r.rps.toFixed(0),
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)} (${r.ratioOf ?? ''})`,
      r.cpuMsPerRequest === undefined ? '' : r.cpuMsPerRequest.toFixed(3),
      r.cpuRatio === undefined ? '' : `${r.cpuRatio.toFixed(1)}×`,
      r.target === undefined ? '' : `${r.target}: ${verdict(r.met, r.miss)}`,
      r.note ?? '',
    ]),
    ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l', 'l'],
  )
}

export function metricTable(rows: readonly MetricRow[]): string {
  return table(
    ['measure', 'value', 'target', 'notes'],
    rows.map((r) => [r.name, `${r.value} ${r.unit}`, r.target === undefined ? '' : `${r.target}: ${verdict(r.met, r.miss)}`, r.note ?? '']),
    ['l', 'r', 'l', 'l'],
  )
}

export function machineLine(m: Machine): string {
  return `${m.nproc} × ${m.cpu}, Node ${m.node}, ${m.date} (load average at start ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')})`
}

export function writeResults(path: string, report: Report): void {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`)
}

/** bench/results.md: this run's tables and profiles (not committed; bench/PERFORMANCE.md quotes a run and explains it). */
export function resultsMarkdown(report: Report): string {
  const missed = [...report.http.filter((r) => r.met === false), ...report.metrics.filter((r) => r.met === false)]
  return `# Bench results

\`npm run bench\` on ${machineLine(report.machine)}; ${report.settings.connections} connections,
${report.settings.seconds} s per HTTP run${report.settings.quick ? ' (BENCH_QUICK=1: shortened run)' : ''}, ${report.wallSeconds} s wall time in all.
The machine is shared and was busy with other work, so absolute figures are noisy; compare the ratios, which are
measured against a hello-world Hono server in the same run.

## HTTP

${httpTable(report.http)}

Ratios of requests/s are to the baseline row. "CPU ms/req" is the server process's own CPU time (user + system,
from /proc) per request: unlike req/s it hardly moves when other work shares the machine, so "CPU vs baseline" is
the steadiest measure of what a request costs. The two refused rows are the cost ladder of a create: refused at the
key check (framework, middleware, auth), then refused as an invalid number (adds the body, validation and phone
parsing); the create row adds the store and the queue. The relay rows run open-loop at a fixed rate (a sixth of what
the API managed closed-loop, at most a quarter of the worker's drain rate), with the worker running, and compare p99
to the mean of the two healthy-relay runs (one before, one after); the two healthy rows' own ratios show how far
noise alone moves p99 on this machine.

## Delivery and memory

${metricTable(report.metrics)}

## Targets missed

${missed.length === 0 ? 'None.' : missed.map((r) => `- **${r.name}**: ${'miss' in r && r.miss !== undefined ? r.miss : `${r.target ?? ''} not met (ratio ${'ratio' in r ? String(r.ratio) : '?'})`}`).join('\n')}

${profileSection('the API', 'node --cpu-prof dist/api/main.js, under the POST /v1/verifications load', report.profiles.api)}${profileSection(
    'the worker',
    'node --cpu-prof dist/worker/main.js, draining queued verifications into the relay',
    report.profiles.worker,
  )}## How to rerun

\`\`\`sh
npm ci
npm run bench               # about 4 minutes; needs Redis at REDIS_URL (default redis://127.0.0.1:6379)
BENCH_QUICK=1 npm run bench # shorter runs and smaller counts, for development
\`\`\`

The bench builds (\`npm run build\`), starts the built API and worker (\`NODE_ENV=production\`, \`LOG_LEVEL=warn\`,
\`SMS_PROVIDER=signalwire\`) against the fake RELAY server (\`test/fake-relay/main.ts\`), a baseline Hono server
(\`bench/baseline-server.ts\`) and the load generator (\`bench/load.ts\`, autocannon in a process of its own), all
under a random \`KEY_PREFIX\` that it deletes afterwards. Every limit is set out of the way. The memory figures come
from a \`redis-server\` of the bench's own (with its own API, relay and worker) when one is installed, so that other
users of the shared Redis cannot move \`used_memory\`. Closed-loop runs use autocannon; the fixed-rate runs use a
steady open-loop schedule in the same load process (autocannon's rate limit sends each second's quota in one burst).
Results go to stdout,
\`bench/results.json\` and this file, both rewritten by every run and not committed. \`node --import tsx bench/cpuprofile.ts <file.cpuprofile>\` summarises
any CPU profile (\`BENCH_KEEP=1\` keeps the run's temporary directory, profile included).
`
}

function profileSection(who: string, how: string, summary: ProfileSummary | undefined): string {
  if (summary === undefined) return ''
  return `## Where ${who}'s time goes

\`${how}\` (self time, measured window only):

\`\`\`
${formatSummary(summary)}
\`\`\`

`
}
