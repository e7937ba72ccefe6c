import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** A process the bench started. Output is kept (last lines only) to explain a failure. */
export interface BenchProcess {
  readonly name: string
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  /** the last lines written to stdout and stderr */
  tail(): string
  /** resolves with the first stdout line for which `match` is true */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string>
  /** SIGTERM (or `signal`), then SIGKILL after `timeoutMs`; resolves with the exit code */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>
}

const TAIL_LINES = 40

/**
 * Every child the bench starts goes through here, so that one call (on success, failure or Ctrl-C) stops them
 * all, and a synchronous exit hook kills whatever is still alive if the bench itself dies.
 */
export class ProcessGroup {
  private readonly live = new Set<BenchProcess>()

  constructor() {
    process.on('exit', () => {
      for (const p of this.live) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL')
    })
  }

  /** Starts `command` (node by default) with `args`; only PATH and HOME are inherited besides `env`. */
  start(name: string, args: readonly string[], env: Record<string, string>, cwd: string, command = process.execPath): BenchProcess {
    const child = spawn(command, [...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: string[] = []
    const waiters = new Set<(line: string) => void>()
    const keep = (line: string): void => {
      lines.push(line)
      if (lines.length > TAIL_LINES) lines.shift()
    }
    const reader = (onLine: (line: string) => void) => {
      let buffer = ''
      return (chunk: Buffer): void => {
        buffer += chunk.toString('utf8')
        let nl
        while ((nl = buffer.indexOf('\n')) !== -1) {
          onLine(buffer.slice(0, nl))
          buffer = buffer.slice(nl + 1)
        }
      }
    }
    child.stdout?.on(
      'data',
      reader((line) => {
        keep(line)
        for (const w of waiters) w(line)
      }),
    )
    child.stderr?.on('data', reader(keep))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.on('error', (error) => keep(`spawn error: ${error.message}`))

    const proc: BenchProcess = {
      name,
      child,
      exited,
      tail: () => lines.join('\n'),
      waitForLine: (match, timeoutMs) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiters.delete(test)
            reject(new Error(`${name}: no expected line within ${timeoutMs} ms; last output:\n${proc.tail()}`))
          }, timeoutMs)
          const test = (line: string): void => {
            if (!match(line)) return
            clearTimeout(timer)
            waiters.delete(test)
            resolve(line)
          }
          waiters.add(test)
          void exited.then((code) => {
            if (!waiters.has(test)) return
            clearTimeout(timer)
            waiters.delete(test)
            reject(new Error(`${name} exited (${String(code)}) before it was ready; last output:\n${proc.tail()}`))
          })
        }),
      stop: async (signal = 'SIGTERM', timeoutMs = 10_000) => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill(signal)
          const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
          await exited
          clearTimeout(timer)
        }
        this.live.delete(proc)
        return child.exitCode
      },
    }
    this.live.add(proc)
    void exited.then(() => this.live.delete(proc))
    return proc
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((p) => p.stop('SIGTERM', 5_000)))
  }
}

// One port finder for the tests and the bench.
export { freePort } from '../test/helpers/processes.js'

/** Polls `url` until it answers 200, or rejects after `timeoutMs` (sooner if `proc` exits). */
export async function waitForHttp(url: string, timeoutMs: number, proc?: BenchProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (proc !== undefined && (proc.child.exitCode !== null || proc.child.signalCode !== null)) {
      throw new Error(`${proc.name} exited (${String(proc.child.exitCode ?? proc.child.signalCode)}); last output:\n${proc.tail()}`)
    }
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms${proc === undefined ? '' : `; last output:\n${proc.tail()}`}`)
    await sleep(100)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resident memory of a process, in MB (Linux /proc); 0 when it cannot be read. */
export function rssMegabytes(pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? 0 : Math.round(Number(kb) / 1024)
  } catch {
    return 0
  }
}

/** Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat (100 on every mainstream architecture). */
const CLOCK_TICKS_PER_SECOND = 100

/**
 * CPU time a process has used so far (user + system), in milliseconds; 0 when it cannot be read. CPU per
 * request is far steadier than requests per second on a machine that other work is also using.
 */
export function cpuMilliseconds(pid: number | undefined): number {
  if (pid === undefined) return 0
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return 0
  }
}

/**
 * The whole machine's CPU time so far, busy and in all, in milliseconds summed over its cores (the first line of
 * /proc/stat): over a window, busy / (all / cores) is how many cores were in use, whoever used them.
 */
export function machineCpuMilliseconds(): { readonly busy: number; readonly all: number } {
  try {
    const ticks = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number)
    // user nice system idle iowait irq softirq steal (guest time is already inside user)
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0)
    const all = ticks.slice(0, 8).reduce((a, b) => a + b, 0)
    return { busy: ((all - idle) * 1000) / CLOCK_TICKS_PER_SECOND, all: (all * 1000) / CLOCK_TICKS_PER_SECOND }
  } catch {
    return { busy: 0, all: 0 }
  }
}
