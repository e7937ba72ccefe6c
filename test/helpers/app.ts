import { serve } from '@hono/node-server'
import type { Queue } from 'bullmq'
import type { RedisClient } from '../../shared/redis.js'
import { createApp } from '../../api/app.js'
import { createApiConnections } from '../../api/connections.js'
import { createServices } from '../../api/services/create-services.js'
import { loadConfig, type Config } from '../../shared/config/index.js'
import type { EventJob } from '../../shared/events.js'
import type { SendJob } from '../../shared/jobs.js'
import { createKeys, type Keys } from '../../shared/keys.js'
import { createLogger } from '../../shared/logger.js'
import { createApiMetrics, type ApiMetrics } from '../../shared/metrics.js'
import { closeRedis, waitUntilReady } from '../../shared/redis.js'
import { createSecrets, UnsealError, type Secrets } from '../../shared/secrets.js'
import type { ServiceStore } from '../../shared/service-store.js'
import type { FraudGuard } from '../../api/fraud/guard.js'
import { openContents } from '../../shared/store/verification-record.js'
import type { VerificationStore } from '../../shared/store/verification-store.js'
import assert from 'node:assert/strict'
import { serviceContract } from './contract.js'
import { numberForms, plaintextLeaks } from './leaks.js'
import { deletePrefix, dumpValues, keysUnder, randomPrefix, TEST_REDIS_URL } from './redis.js'

import { TEST_API_KEY, TEST_SECRET } from './constants.js'

export { TEST_API_KEY, TEST_SECRET } from './constants.js'

/** A clock the test moves by hand. */
export interface TestClock {
  now: () => number
  advance: (ms: number) => void
}

export function testClock(start = Date.now()): TestClock {
  let t = start
  return { now: () => t, advance: (ms) => (t += ms) }
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    REDIS_URL: TEST_REDIS_URL,
    SECRET_KEY: TEST_SECRET,
    API_KEYS: TEST_API_KEY,
    LOG_LEVEL: 'silent',
    // In-process requests have no socket: they would all share one client IP. Tests of that limit set it.
    IP_SENDS_PER_HOUR: '0',
    // Tests send many codes to one range and leave most unused, which is what the guard exists to stop. Its own
    // tests (fraud*.test.ts) turn it on.
    FRAUD_GUARD: 'off',
    ...env,
  })
}

export interface TestApp {
  readonly app: ReturnType<typeof createApp>
  readonly config: Config
  readonly prefix: string
  readonly keys: Keys
  readonly redis: RedisClient
  readonly queue: Queue<SendJob>
  readonly callQueue: Queue<SendJob>
  readonly eventsQueue: Queue<EventJob>
  readonly store: VerificationStore
  readonly secrets: Secrets
  readonly metrics: ApiMetrics
  readonly serviceStore: ServiceStore
  readonly fraud: FraudGuard
  readonly clock: TestClock
  /** the code of a verification, read back from its sealed copy: only tests can do this */
  codeOf(id: string): Promise<string>
  /** JSON request to /v1 with the test API key */
  v1(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>
  close(): Promise<void>
}

/** The real app on the real Redis, with its own key prefix and a hand-moved clock. */
export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  // KEY_PREFIX in `env`: a second app over the same data (another key, other settings).
  const prefix = env.KEY_PREFIX ?? randomPrefix('app')
  const config = testConfig({ KEY_PREFIX: prefix, ...env })
  const clock = testClock()
  const keys = createKeys(prefix)
  // The same connections and queues as the API process (api/connections.ts); an error surfaces in the test.
  let connectionError: Error | undefined
  const connections = createApiConnections(config, keys, (_what, err) => (connectionError ??= err))
  const { redis, queue, callQueue, eventsQueue } = connections
  await Promise.all([waitUntilReady(redis, 5_000), waitUntilReady(connections.queueRedis, 5_000)]).catch((error: unknown) => {
    throw connectionError ?? error
  })
  const logger = createLogger(config, 'api')
  const secrets = createSecrets(config.secret.key, config.secret.previous)
  const metrics = createApiMetrics()
  const services = createServices({ config, redis, keys, secrets, queue, callQueue, eventsQueue, logger, metrics, now: clock.now })
  const { store, serviceStore, fraud } = services
  const app = createApp({ config, logger, redis: connections, metrics, ...services })

  return {
    app,
    config,
    prefix,
    keys,
    redis,
    queue,
    callQueue,
    eventsQueue,
    store,
    secrets,
    metrics,
    serviceStore,
    fraud,
    clock,
    async codeOf(id) {
      const sealed = await redis.hget(keys.verification(id), 'e')
      if (sealed === null) throw new Error(`no verification ${id}`)
      const { code } = openContents(secrets, id, sealed)
      if (code === '') throw new Error('sealed value has no code')
      return code
    },
    async v1(method, path, body, headers = {}) {
      const res = await app.request(path, {
        method,
        headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      await serviceContract.check(method, path, res)
      return res
    },
    async close() {
      await Promise.all([queue.close(), callQueue.close(), eventsQueue.close(), closeRedis(connections.queueRedis)])
      try {
        // Every code and number this app stored must be absent from Redis in plain text (jobs included).
        const secretsStored: string[] = []
        for (const key of await keysUnder(redis, prefix)) {
          const id = /:v:(ver_[a-z2-7]{26}(?:[a-z2-7]{4})?)$/.exec(key)?.[1]
          const sealed = id === undefined ? null : await redis.hget(key, 'e')
          if (id === undefined || sealed === null) continue
          let opened: { to: string; code: string }
          try {
            opened = openContents(secrets, id, sealed)
          } catch (error) {
            // Sealed by another app's key (a key-rotation test): that app checks it.
            if (error instanceof UnsealError) continue
            throw error
          }
          const { to, code } = opened
          secretsStored.push(code, ...numberForms(to))
        }
        const leaks = plaintextLeaks((await dumpValues(redis, prefix)).join('\n'), secretsStored)
        assert.deepEqual(leaks, [], 'codes or numbers stored in plain text')
      } finally {
        await deletePrefix(redis, prefix)
        redis.disconnect()
      }
    },
  }
}

/** POST a form body to a route of the app. */
export async function postForm(app: TestApp['app'], path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  })
  await serviceContract.check('POST', path, res)
  return res
}

/** The app on a real socket at 127.0.0.1 (for what needs one: the client's address, chunked bodies). */
export async function serveTestApp(app: TestApp['app']): Promise<{ url: string; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
