import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { SENDER_NUMBER, TEST_API_KEY, TEST_PROJECT, TEST_SECRET, TEST_TOKEN } from './constants.js'

/** A real service process started the way an operator starts it (`npm run start:api` / `start:worker`). */
export interface ServiceProcess {
  readonly name: string
  readonly child: ChildProcess
  /** every line the process wrote to stdout and stderr */
  readonly lines: string[]
  /** resolves with the first parsed JSON log line that satisfies `match` */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>
  /** sends a signal to the whole process group (npm, sh, node) and resolves with the exit code */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>
  readonly exited: Promise<number | null>
}

export function startService(name: string, script: string, env: Record<string, string>): ServiceProcess {
  const child = spawn('npm', ['run', '--silent', script], {
    // Listeners on fixed ports would collide between the many processes tests start: random ones unless given.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', WORKER_ADMIN_PORT: '0', ADMIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const lines: string[] = []
  const waiters = new Set<(line: string) => void>()
  const onData = (buffer: { value: string }) => (chunk: Buffer) => {
    buffer.value += chunk.toString('utf8')
    let nl
    while ((nl = buffer.value.indexOf('\n')) !== -1) {
      const line = buffer.value.slice(0, nl)
      buffer.value = buffer.value.slice(nl + 1)
      lines.push(line)
      for (const w of waiters) w(line)
    }
  }
  child.stdout?.on('data', onData({ value: '' }))
  child.stderr?.on('data', onData({ value: '' }))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))

  return {
    name,
    child,
    lines,
    exited,
    waitForLog(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const test = (line: string): boolean => {
          const parsed = parseJson(line)
          if (parsed !== undefined && match(parsed)) {
            clearTimeout(timer)
            waiters.delete(test)
            resolve(parsed)
            return true
          }
          return false
        }
        const timer = setTimeout(() => {
          waiters.delete(test)
          reject(new Error(`${name}: no matching log line within ${timeoutMs} ms; last lines:\n${lines.slice(-10).join('\n')}`))
        }, timeoutMs)
        for (const line of lines) if (test(line)) return
        waiters.add(test)
      })
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal)
      } catch {
        return child.exitCode
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }, timeoutMs)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(line)
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Starts the API with PORT=0 and resolves with its base URL once /readyz answers 200. */
export async function startApi(env: Record<string, string>): Promise<{ process: ServiceProcess; url: string }> {
  const api = startService('api', 'start:api', { PORT: '0', HOST: '127.0.0.1', ...env })
  try {
    const listening = await api.waitForLog((l) => l.msg === 'api listening')
    const url = `http://127.0.0.1:${String(listening.port)}`
    const deadline = Date.now() + 15_000
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      )
      if (ok) break
      if (Date.now() > deadline) throw new Error('api never became ready')
      await new Promise((r) => setTimeout(r, 100))
    }
    return { process: api, url }
  } catch (error) {
    // The caller never gets a handle on a process that failed to start: stop it here.
    await api.stop()
    throw error
  }
}

/**
 * The environment every real API or worker process in the tests shares: production mode, the test secrets, and the
 * SignalWire provider pointed at a fake relay. Callers add their Redis (`REDIS_URL` or `REDIS_CLUSTER_NODES`) and
 * whatever limits they need out of the way.
 */
export function relayServiceEnv(prefix: string, relayUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    KEY_PREFIX: prefix,
    SECRET_KEY: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    SMS_PROVIDER: 'signalwire',
    SIGNALWIRE_PROJECT: TEST_PROJECT,
    SIGNALWIRE_TOKEN: TEST_TOKEN,
    SIGNALWIRE_NUMBER: SENDER_NUMBER,
    SIGNALWIRE_HOST: relayUrl,
    // Many codes to one range, most never used: the fraud guard's own tests turn it on.
    FRAUD_GUARD: 'off',
  }
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = address !== null && typeof address === 'object' ? address.port : 0
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}
