import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { startService, type ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, randomPrefix, TEST_REDIS_URL, testRedis } from '../helpers/redis.js'

/** The real API and worker processes the browser talks to, and (provider `signalwire`) the fake relay the SMS reach. */
export interface Stack {
  readonly url: string
  readonly prefix: string
  /** present with the `signalwire` provider: where a phone would read the SMS */
  readonly relay: FakeRelay | undefined
  readonly api: ServiceProcess
  readonly worker: ServiceProcess
  /** stops everything it started and deletes the run's keys; safe to call after a partial start */
  stop(): Promise<void>
}

export type Provider = 'signalwire' | 'console'

// Our own values rather than test/helpers/app.ts's: importing that module loads the whole app, seconds on a busy machine.
const PROJECT = 'browser-project'
const TOKEN = 'browser-token'
const SENDER_NUMBER = '+12015550100'

// No limit that would get in the way of several flows from one browser on one IP.
const COMMON_ENV = {
  REDIS_URL: TEST_REDIS_URL,
  SECRET_KEY: 'browser-test-secret-key-0123456789abcdef',
  RESEND_COOLDOWN_SECONDS: '0',
  IP_SENDS_PER_HOUR: '0',
  CODE_TTL_SECONDS: '120',
  LOG_LEVEL: 'info',
}

/**
 * `signalwire`: production settings, SMS through the real SDK to an in-process fake relay.
 * `console`: development settings, the console provider and its outbox (`/dev/outbox`).
 */
export async function startStack(provider: Provider): Promise<Stack> {
  const prefix = randomPrefix('browser')
  const started: { relay?: FakeRelay; api?: ServiceProcess; worker?: ServiceProcess } = {}
  const stop = async (): Promise<void> => {
    await Promise.allSettled([started.api?.stop(), started.worker?.stop()])
    await started.relay?.close().catch(() => undefined)
    const redis = testRedis()
    try {
      await deletePrefix(redis, prefix)
    } finally {
      redis.disconnect()
    }
  }
  try {
    let env: Record<string, string>
    if (provider === 'signalwire') {
      started.relay = await startFakeRelay({ project: PROJECT, token: TOKEN })
      env = {
        ...COMMON_ENV,
        NODE_ENV: 'production',
        KEY_PREFIX: prefix,
        SMS_PROVIDER: 'signalwire',
        SIGNALWIRE_PROJECT: PROJECT,
        SIGNALWIRE_TOKEN: TOKEN,
        SIGNALWIRE_NUMBER: SENDER_NUMBER,
        SIGNALWIRE_HOST: started.relay.url,
      }
    } else {
      env = { ...COMMON_ENV, NODE_ENV: 'development', KEY_PREFIX: prefix, SMS_PROVIDER: 'console' }
    }
    // Both at once: two cold tsx starts in sequence cost seconds on a busy machine. Not startApi(): a process it
    // started is out of reach when it fails to become ready, and this one must be stopped even then.
    const worker = startService('worker', 'start:worker', env)
    started.worker = worker
    const api = startService('api', 'start:api', { PORT: '0', HOST: '127.0.0.1', ...env })
    started.api = api
    const [url] = await Promise.all([apiUrl(api), worker.waitForLog((l) => l.msg === 'worker started')])
    return { url, prefix, relay: started.relay, api, worker, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

/** The API's base URL once it listens and /readyz answers 200. */
async function apiUrl(api: ServiceProcess): Promise<string> {
  const listening = await api.waitForLog((l) => l.msg === 'api listening')
  const url = `http://127.0.0.1:${String(listening.port)}`
  const deadline = Date.now() + 15_000
  while (!(await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false))) {
    if (Date.now() > deadline) throw new Error('api never became ready')
    await new Promise((r) => setTimeout(r, 100))
  }
  return url
}
