import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { assertNoneAfterExpiry, duplicates, messagesTo } from './harness/assertions.js'
import { dropPrefix, numbers, queueProbe, serviceEnv, sleep, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (b) The relay is down for 20 s while 200 verifications are queued, then comes back. Two API processes share the
 * queue and differ only in CODE_TTL_SECONDS: codes from the short one (10 s) expire during the outage, codes from the
 * long one (300 s) are still valid when the relay returns. Every long one must be texted after the relay returns,
 * and no short one may ever be texted (its code had expired): its delivery ends `skipped` or `failed`.
 */
const OUTAGE_MS = 20_000
const SHORT_TTL_SECONDS = 10
const PER_KIND = 100

describe('delivery (b): the relay down for 20 s', () => {
  const prefix = randomPrefix('outage')
  const processes: ServiceProcess[] = []
  let relay: FakeRelay
  let shortApi: ApiClient
  let longApi: ApiClient
  let env: Record<string, string>
  let workerHealth: string

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    env = serviceEnv({ redisUrl: TEST_REDIS_URL, prefix, relayUrl: relay.url })
    const [short, long, worker] = await Promise.all([
      startApiProcess({ ...env, CODE_TTL_SECONDS: String(SHORT_TTL_SECONDS) }, 'api-short', processes),
      startApiProcess({ ...env, CODE_TTL_SECONDS: '300' }, 'api-long', processes),
      startWorkerProcess(env, 'worker', processes),
    ])
    shortApi = apiClient(short.url)
    longApi = apiClient(long.url)
    const listener = await worker.waitForLog((l) => l.msg === 'worker listener: /healthz and /metrics')
    workerHealth = `http://127.0.0.1:${String(listener.port)}/healthz`
  })

  afterAll(() => tearDown(processes, () => relay, () => dropPrefix(prefix)))

  test('valid codes are texted once the relay returns; codes that expired meanwhile never are', async () => {
    const probe = queueProbe(TEST_REDIS_URL, prefix)
    try {
      await relay.stop()
      const downAt = Date.now()
      const [short, long] = await Promise.all([shortApi.createAll(numbers(2000, PER_KIND), 8), longApi.createAll(numbers(2100, PER_KIND), 8)])
      const shortExpiry = Math.max(...short.map((v) => Date.parse(v.expiresAt)))
      assert.ok(shortExpiry < downAt + OUTAGE_MS, 'the short codes expire while the relay is down')

      await sleep(downAt + OUTAGE_MS / 2 - Date.now())
      // Paused while the provider is away, and healthy: a container restart would not bring the relay back. The
      // backlog waits in the queue instead of going round between active and delayed.
      const health = await fetch(workerHealth)
      assert.deepEqual([health.status, ((await health.json()) as { provider: string }).provider], [200, 'reconnecting'])
      const mid = await probe.counts()
      assert.ok((mid.waiting ?? 0) >= 2 * PER_KIND - 1, `jobs wait during the outage: ${JSON.stringify(mid)}`)

      await sleep(downAt + OUTAGE_MS - Date.now())
      assert.equal(relay.messages.length, 0, 'nothing was texted while the relay was down')
      await relay.start()
      const backAt = Date.now()

      const longNumbers = new Set(long.map((v) => v.to))
      await waitFor(
        'an SMS for every code still valid',
        () => (new Set(messagesTo(relay.messages, longNumbers).map((m) => m.to)).size === PER_KIND ? true : undefined),
        90_000,
      )
      const recoveredMs = Math.max(...relay.messages.map((m) => m.receivedAt)) - backAt
      const healthAfter = (await (await fetch(workerHealth)).json()) as { provider: string }
      assert.equal(healthAfter.provider, 'connected')
      // Retries of the short codes run out on their own schedule: wait for the queue to empty, then a little longer
      // for anything the SDK might still flush.
      await waitFor('the queue to drain', async () => ((await probe.unfinished()) === 0 ? true : undefined), 90_000, 500)
      await sleep(2_000)

      const late = messagesTo(relay.messages, short.map((v) => v.to))
      console.log(
        `# (b) relay back after ${OUTAGE_MS} ms: ${PER_KIND} valid codes texted within ${recoveredMs} ms; ` +
          `duplicates ${duplicates(relay.messages)}; SMS for expired codes ${late.length}`,
      )
      assert.equal(late.length, 0, 'no SMS for a code that expired during the outage')
      assertNoneAfterExpiry(relay.messages, [...short, ...long])

      const shortFinal = await shortApi.getAll(short.map((v) => v.id))
      const ends: Record<string, number> = {}
      for (const v of shortFinal) ends[`${v.status}/${v.delivery.status}`] = (ends[`${v.status}/${v.delivery.status}`] ?? 0) + 1
      assert.deepEqual(
        Object.keys(ends).filter((k) => k !== 'expired/skipped' && k !== 'expired/failed'),
        [],
        `expired codes end skipped or failed: ${JSON.stringify(ends)}`,
      )
      const longFinal = await longApi.getAll(long.map((v) => v.id))
      assert.equal(longFinal.filter((v) => v.status !== 'pending' || v.delivery.messageId === undefined).length, 0, 'every valid code was accepted by the relay')
    } finally {
      await probe.close()
    }
  })
})
