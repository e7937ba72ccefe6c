import type { Queue } from 'bullmq'
import { freePort, sleep, waitForHttp, type BenchProcess, type ProcessGroup } from './processes.js'
import { relayClient, type RelayClient } from './relay-client.js'

/**
 * The processes under test, started as an operator starts them: the built API and worker
 * (`node dist/…/main.js`, NODE_ENV=production) with the SignalWire provider pointed at the fake RELAY server.
 */
export interface Stack {
  readonly apiUrl: string
  readonly apiPid: number | undefined
  workerPid(): number | undefined
  relayPid(): number | undefined
  readonly relay: RelayClient
  /** settings every service process gets */
  readonly env: Readonly<Record<string, string>>
  startWorker(extraEnv?: Record<string, string>, nodeFlags?: readonly string[]): Promise<BenchProcess>
  stopWorker(): Promise<void>
  /** starts another API process (e.g. with --cpu-prof, or other settings) on a port of its own; the caller stops it */
  startExtraApi(nodeFlags: readonly string[], extraEnv?: Record<string, string>): Promise<{ process: BenchProcess; url: string }>
  killRelay(): Promise<void>
  /** starts the relay again on its port; `receipts: false` runs it with --no-receipts */
  startRelay(options?: { receipts?: boolean }): Promise<void>
  /** stops the worker, the API and the relay */
  stop(): Promise<void>
}

export interface StackOptions {
  readonly processes: ProcessGroup
  readonly root: string
  readonly queue: Queue
  readonly redisUrl: string
  readonly prefix: string
  readonly apiKey: string
  readonly secretKey: string
}

export const SENDER = '+12015550100'

/** Limits high enough never to answer for the figures (bench runs and bench:compare alike). */
export const LIMITS_OUT_OF_THE_WAY = {
  RESEND_COOLDOWN_SECONDS: '0',
  MAX_SENDS_PER_WINDOW: '1000000',
  IP_SENDS_PER_HOUR: '0',
  GLOBAL_SENDS_PER_HOUR: '0',
  MAX_FAILED_CHECKS_PER_DAY: '0',
  MAX_CHECK_ATTEMPTS: '100',
  // The fraud guard counts and judges every send, as in production, but never blocks the few prefixes used.
  FRAUD_MIN_SENDS: '1000000',
} as const
export const BENCH_ACCOUNT = `AC${'be'.repeat(16)}`
export const BENCH_TOKEN = 'bench-compat-token-0123456789'
/** The Authorization header of the bench's /v2 and MFA runs. */
export const benchBasic = (user: string): string => `Basic ${Buffer.from(`${user}:${BENCH_TOKEN}`).toString('base64')}`

export async function startStack(options: StackOptions): Promise<Stack> {
  const { processes, root, queue } = options
  const relayPort = await freePort()
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: options.redisUrl,
    KEY_PREFIX: options.prefix,
    SECRET_KEY: options.secretKey,
    API_KEYS: options.apiKey,
    SMS_PROVIDER: 'signalwire',
    SIGNALWIRE_PROJECT: 'bench-project',
    SIGNALWIRE_TOKEN: 'bench-token',
    SIGNALWIRE_NUMBER: SENDER,
    SIGNALWIRE_HOST: `ws://127.0.0.1:${relayPort}`,
    HOST: '127.0.0.1',
    ...LIMITS_OUT_OF_THE_WAY,
    TWILIO_COMPAT_CREDENTIALS: `${BENCH_ACCOUNT}:${BENCH_TOKEN}`,
    SIGNALWIRE_MFA_CREDENTIALS: `bench-project:${BENCH_TOKEN}`,
    // No admin listener (no password); the worker's admin port is the OS's choice so runs never collide.
    WORKER_ADMIN_PORT: '0',
  }

  let relay: BenchProcess | undefined
  async function startRelay(options: { receipts?: boolean } = {}): Promise<void> {
    const args = ['--import', 'tsx', 'test/fake-relay/main.ts', '--port', String(relayPort)]
    if (options.receipts === false) args.push('--no-receipts')
    relay = processes.start('fake relay', args, {}, root)
    await relay.waitForLine((l) => l.startsWith('{'), 20_000)
  }

  async function startApi(nodeFlags: readonly string[], extraEnv: Record<string, string> = {}): Promise<{ process: BenchProcess; url: string }> {
    const port = await freePort()
    const api = processes.start('api', [...nodeFlags, 'dist/api/main.js'], { ...env, ...extraEnv, PORT: String(port) }, root)
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(`${url}/readyz`, 20_000, api)
    return { process: api, url }
  }

  let worker: BenchProcess | undefined
  async function stopWorker(): Promise<void> {
    await worker?.stop('SIGTERM', 15_000)
    worker = undefined
    // BullMQ names its connections; wait until the old worker's are gone so the next wait means the new one.
    const deadline = Date.now() + 10_000
    while ((await queue.getWorkersCount()) > 0 && Date.now() < deadline) await sleep(100)
  }

  await startRelay()
  const api = await startApi([])
  return {
    apiUrl: api.url,
    apiPid: api.process.child.pid,
    workerPid: () => worker?.child.pid,
    relayPid: () => relay?.child.pid,
    relay: relayClient(relayPort),
    env,
    async startWorker(extraEnv = {}, nodeFlags = []) {
      await stopWorker()
      const started = processes.start('worker', [...nodeFlags, 'dist/worker/main.js'], { ...env, ...extraEnv }, root)
      worker = started
      // The worker connects to RELAY first, then registers with BullMQ: a registered worker is ready to send.
      const deadline = Date.now() + 30_000
      while ((await queue.getWorkersCount()) === 0) {
        if (started.child.exitCode !== null) throw new Error(`worker exited (${started.child.exitCode}):\n${started.tail()}`)
        if (Date.now() > deadline) throw new Error(`worker did not register within 30 s:\n${started.tail()}`)
        await sleep(50)
      }
      return started
    },
    stopWorker,
    startExtraApi: startApi,
    async killRelay() {
      await relay?.stop('SIGKILL')
      relay = undefined
    },
    startRelay,
    async stop() {
      await stopWorker()
      await Promise.all([api.process.stop(), relay?.stop()])
    },
  }
}
