import type { FakeRelay } from '../../fake-relay/server.js'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { relayServiceEnv, startService, type ServiceProcess } from '../../helpers/processes.js'
import { deletePrefix, testRedis } from '../../helpers/redis.js'
import { CALL_QUEUE_NAME, createKeys, QUEUE_NAME } from '../../../shared/keys.js'

/**
 * The environment of a real API or worker process in these tests: production mode, the SignalWire provider pointed
 * at a fake relay, and every per-number, per-IP and global limit out of the way (these tests send hundreds of codes
 * from one address). A short lock lets a second worker take over a killed worker's jobs within seconds.
 */
export function serviceEnv(options: { redisUrl: string; prefix: string; relayUrl: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    ...relayServiceEnv(options.prefix, options.relayUrl),
    REDIS_URL: options.redisUrl,
    RESEND_COOLDOWN_SECONDS: '0',
    MAX_SENDS_PER_WINDOW: '1000000',
    IP_SENDS_PER_HOUR: '0',
    GLOBAL_SENDS_PER_HOUR: '0',
    WORKER_LOCK_SECONDS: '3',
    // Several workers on one machine: none may hold a fixed admin port.
    WORKER_ADMIN_PORT: '0',
    LOG_LEVEL: 'info',
    ...options.extra,
  }
}

/**
 * Starts `npm run start:worker` and resolves once it is connected to the relay and taking jobs. The process joins
 * `owned` as soon as it exists, so the test's `after` hook stops it even when it never came up.
 */
export async function startWorkerProcess(env: Record<string, string>, name: string, owned: ServiceProcess[]): Promise<ServiceProcess> {
  const worker = startService(name, 'start:worker', env)
  owned.push(worker)
  try {
    await worker.waitForLog((l) => l.msg === 'worker started', 30_000)
  } catch (error) {
    await worker.stop('SIGKILL')
    throw error
  }
  return worker
}

/**
 * Starts `npm run start:api` on a free port and resolves once /readyz answers 200. Unlike the shared helper it kills
 * the process when it does not come up, and it joins `owned` at once (see startWorkerProcess).
 */
export async function startApiProcess(env: Record<string, string>, name: string, owned: ServiceProcess[]): Promise<{ process: ServiceProcess; url: string }> {
  const api = startService(name, 'start:api', { PORT: '0', HOST: '127.0.0.1', ...env })
  owned.push(api)
  try {
    const listening = await api.waitForLog((l) => l.msg === 'api listening', 30_000)
    const url = `http://127.0.0.1:${String(listening.port)}`
    await waitFor(
      `${name} /readyz`,
      () =>
        fetch(`${url}/readyz`).then(
          (r) => (r.status === 200 ? true : undefined),
          () => undefined,
        ),
      30_000,
    )
    return { process: api, url }
  } catch (error) {
    await api.stop('SIGKILL')
    throw error
  }
}

/** Distinct valid US numbers +1201555XXXX, `count` of them from `first` (keep clear of the relay's scenario suffixes). */
export function numbers(first: number, count: number): string[] {
  const out: string[] = []
  for (let i = first; i < first + count; i++) {
    const suffix = String(i).padStart(4, '0')
    if (['0400', '0001', '0002', '0777', '0999', '0500', '0600', '0486', '0408', '0487', '0415'].includes(suffix)) throw new Error(`suffix ${suffix} is a relay scenario`)
    out.push(`+1201555${suffix}`)
  }
  return out
}

/** The six-digit code in an SMS body (the default template). */
export function codeIn(body: string): string {
  const code = /(?<!\d)(\d{6})(?!\d)/.exec(body)?.[1]
  if (code === undefined) throw new Error('no code in an SMS body')
  return code
}

/** Polls `check` until it returns something other than undefined. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Reads the send queue's job counts from outside the service (BullMQ's own view). */
export function queueProbe(redisUrl: string, prefix: string, which: 'sms' | 'call' = 'sms') {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null })
  connection.on('error', () => undefined)
  const queue = new Queue(which === 'call' ? CALL_QUEUE_NAME : QUEUE_NAME, { connection, prefix: createKeys(prefix).queuePrefix })
  queue.on('error', () => undefined)
  return {
    /** jobs still to run: waiting, active, delayed (retry backoff) or prioritized */
    async unfinished(): Promise<number> {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')
      return Object.values(counts).reduce((a, b) => a + b, 0)
    },
    /** BullMQ's counts by state */
    counts(): Promise<Record<string, number>> {
      return queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused')
    },
    async close(): Promise<void> {
      await queue.close()
      connection.disconnect()
    },
  }
}

/**
 * Runs every cleanup step even when an earlier one throws (for example on a relay that `before` never got to
 * start), then throws the first error.
 */
export async function cleanUp(steps: ReadonlyArray<() => unknown>): Promise<void> {
  const errors: unknown[] = []
  for (const step of steps) {
    try {
      await step()
    } catch (error) {
      errors.push(error)
    }
  }
  if (errors.length > 0) throw errors[0]
}

/** A test's `after`: stop its processes (SIGKILL: the test is over), close its relay, then remove its data. */
export function tearDown(processes: readonly ServiceProcess[], relay: () => FakeRelay | undefined, removeData: () => unknown): Promise<void> {
  return cleanUp([() => Promise.all(processes.map((p) => p.stop('SIGKILL'))), () => relay()?.close(), removeData])
}

/** Deletes every key of a test's prefix from the shared Redis. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = testRedis()
  try {
    await deletePrefix(redis, prefix)
  } finally {
    redis.disconnect()
  }
}
