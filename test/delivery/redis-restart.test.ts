import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { assertNoneAfterExpiry, duplicates } from './harness/assertions.js'
import { startRedisServer, type RedisServer } from './harness/redis-server.js'
import { codeIn, numbers, queueProbe, serviceEnv, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (c) Redis restarts (SIGTERM, then started again on the same append-only file) while verifications are pending and
 * most of their send jobs are still queued. The verifications survive with their codes, and the queued jobs are sent
 * by the same worker, which reconnects by itself.
 */
const TOTAL = 30
/** two sends in flight, each answered after 400 ms: about 5 SMS/s, so most jobs are still queued at the restart */
const CONCURRENCY = 2
const SEND_DELAY_MS = 400

describe('delivery (c): a Redis restart with persistence', () => {
  const prefix = randomPrefix('restart')
  const processes: ServiceProcess[] = []
  let redis: RedisServer
  let relay: FakeRelay
  let api: ApiClient
  let apiUrl: string
  let env: Record<string, string>

  beforeAll(async () => {
    redis = await startRedisServer()
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN, sendDelayMs: SEND_DELAY_MS })
    env = serviceEnv({ redisUrl: redis.url, prefix, relayUrl: relay.url, extra: { WORKER_CONCURRENCY: String(CONCURRENCY) } })
    const started = await startApiProcess(env, 'api', processes)
    api = apiClient(started.url)
    apiUrl = started.url
  })

  afterAll(() => tearDown(processes, () => relay, () => redis.destroy()))

  test('pending verifications and queued jobs survive; every code texted afterwards checks out', async () => {
    // Everything is queued before the worker starts, so most of it is still queued at the restart on any machine.
    const verifications = await api.createAll(numbers(3000, TOTAL), 4)
    await startWorkerProcess(env, 'worker', processes)
    await waitFor('the first SMS', () => (relay.messages.length >= 2 ? true : undefined), 30_000, 20)

    await redis.stop()
    const sentBefore = new Set(relay.messages.map((m) => m.to)).size
    await redis.start()
    assert.ok(sentBefore < TOTAL / 2, `most jobs were still queued at the restart (${sentBefore} of ${TOTAL} sent)`)

    // The API reconnects by itself; its first requests may still find Redis loading.
    await waitFor(
      'the API to reach Redis again',
      () =>
        fetch(`${apiUrl}/readyz`).then(
          (r) => (r.status === 200 ? true : undefined),
          () => undefined,
        ),
      15_000,
    )
    const survived = await api.getAll(verifications.map((v) => v.id))
    assert.deepEqual(
      survived.map((v) => v.status),
      verifications.map(() => 'pending'),
      'every verification is still there and pending after the restart',
    )

    const wanted = new Set(verifications.map((v) => v.to))
    await waitFor('an SMS for every verification', () => (new Set(relay.messages.map((m) => m.to)).size === TOTAL ? true : undefined), 60_000)
    const probe = queueProbe(redis.url, prefix)
    try {
      await waitFor('the queue to drain', async () => ((await probe.unfinished()) === 0 ? true : undefined), 30_000, 250)
    } finally {
      await probe.close()
    }
    assert.ok(relay.messages.every((m) => wanted.has(m.to)), 'only the requested numbers were texted')
    console.log(`# (c) ${sentBefore}/${TOTAL} texted before the restart; duplicates ${duplicates(relay.messages)}`)
    assertNoneAfterExpiry(relay.messages, verifications)

    // The code a phone received (the latest SMS to the number) approves its verification.
    for (const v of verifications) {
      const sms = relay.messages.filter((m) => m.to === v.to).at(-1)
      assert.ok(sms !== undefined)
      const checked = await api.check(v.id, codeIn(sms.body))
      assert.equal(checked.status, 200, `check answered ${checked.status}`)
      assert.equal(checked.body.valid, true, 'the texted code is valid')
      assert.equal(checked.body.status, 'approved')
    }
  })
})
