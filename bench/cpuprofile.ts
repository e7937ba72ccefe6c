// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by file or package.
// Also a CLI: node --import tsx bench/cpuprofile.ts <file.cpuprofile> [root]
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { round } from './stats.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface ProfileEntry {
  readonly name: string
  readonly ms: number
  /** share of the time the process was busy (idle excluded) */
  readonly percent: number
}

export interface ProfileSummary {
  readonly totalMs: number
  readonly busyMs: number
  readonly functions: ProfileEntry[]
  readonly areas: ProfileEntry[]
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)'])

/** Where a frame's code lives: a project file, a package, a part of Node, or V8's own buckets. */
export function areaOf(url: string, functionName: string, root: string): string {
  if (url === '') return SPECIAL.has(functionName) ? functionName : '(native: V8 builtins, C++ bindings, syscalls)'
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/')
    if (parts[0] !== 'internal') return `node:${parts[0] ?? ''}`
    return `node:internal/${parts[1] === 'deps' ? `deps/${parts[2] ?? ''}` : (parts[1] ?? '')}`
  }
  const path = fileOf(url)
  const nm = path.lastIndexOf('/node_modules/')
  if (nm !== -1) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/')
    return `${parts[0]?.startsWith('@') === true ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '')} (package)`
  }
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path
}

function fileOf(url: string): string {
  return url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url
}

/** A frame's location, short: `node:internal/crypto/hash:161`, `ioredis/built/Command.js:37`, `dist/api/app.js:12`. */
function shortLocation(url: string, line: number, root: string): string {
  if (url === '') return ''
  const path = fileOf(url)
  const nm = path.lastIndexOf('/node_modules/')
  const short = nm !== -1 ? path.slice(nm + '/node_modules/'.length) : path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path
  return `${short}:${line + 1}`
}

export interface SummaryOptions {
  /** how many functions and areas to list */
  readonly top?: number
  /** only samples taken in this window (microseconds of the monotonic clock, as `process.hrtime.bigint() / 1000n`) */
  readonly fromUs?: number
  readonly toUs?: number
}

export function summarise(profile: CpuProfile, root: string, options: SummaryOptions = {}): ProfileSummary {
  const { top = 15, fromUs = -Infinity, toUs = Infinity } = options
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    at += delta
    if (at >= fromUs && at <= toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta)
  })

  const functions = new Map<string, number>()
  const areas = new Map<string, number>()
  let totalUs = 0
  let idleUs = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)
    if (node === undefined) continue
    const { functionName, url, lineNumber } = node.callFrame
    totalUs += us
    if (functionName === '(idle)') {
      idleUs += us
      continue
    }
    const fn = `${functionName === '' ? '(anonymous)' : functionName}  ${shortLocation(url, lineNumber, root)}`.trim()
    functions.set(fn, (functions.get(fn) ?? 0) + us)
    const area = areaOf(url, functionName, root)
    areas.set(area, (areas.get(area) ?? 0) + us)
  }
  const busyUs = Math.max(1, totalUs - idleUs)
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: round(us / 1000, 1), percent: round((100 * us) / busyUs, 1) }))
  return { totalMs: round(totalUs / 1000, 0), busyMs: round(busyUs / 1000, 0), functions: rank(functions), areas: rank(areas) }
}

/** Now on the clock V8 stamps profiles with (CLOCK_MONOTONIC, microseconds), for SummaryOptions windows. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = [`busy ${summary.busyMs} ms of ${summary.totalMs} ms profiled; self time, % of busy`, '', 'by file or package:']
  for (const a of summary.areas) lines.push(`  ${a.percent.toFixed(1).padStart(5)}%  ${a.ms.toFixed(0).padStart(6)} ms  ${a.name}`)
  lines.push('', 'by function:')
  for (const f of summary.functions) lines.push(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`)
  return lines.join('\n')
}

export function readProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2]
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx bench/cpuprofile.ts <file.cpuprofile> [project root]\n')
    process.exit(2)
  }
  process.stdout.write(`${formatSummary(summarise(readProfile(file), process.argv[3] ?? process.cwd(), { top: 25 }))}\n`)
}
