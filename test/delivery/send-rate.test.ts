import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { assertNoneAfterExpiry, duplicates } from './harness/assertions.js'
import { dropPrefix, numbers, serviceEnv, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (f) SEND_RATE_PER_SECOND=20 holds across two worker processes: BullMQ's limiter lives in Redis, not in a process.
 * With a backlog far deeper than the rate, the relay sees 20 SMS/s, not 40. The rate is the least-squares slope of
 * "messages received so far" against receivedAt, over every message after the first second: the limiter releases
 * bursts once a second, and a slope over the whole steady stretch is not thrown off by where the bursts fall.
 */
const RATE = 20
const TOLERANCE = 2
const TOTAL = 320

describe('delivery (f): SEND_RATE_PER_SECOND across two workers', () => {
  const prefix = randomPrefix('rate')
  const processes: ServiceProcess[] = []
  const workers: ServiceProcess[] = []
  let relay: FakeRelay
  let api: ApiClient

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const env = serviceEnv({ redisUrl: TEST_REDIS_URL, prefix, relayUrl: relay.url, extra: { SEND_RATE_PER_SECOND: String(RATE) } })
    const [started, ...startedWorkers] = await Promise.all([
      startApiProcess(env, 'api', processes),
      startWorkerProcess(env, 'worker-1', processes),
      startWorkerProcess(env, 'worker-2', processes),
    ])
    workers.push(...startedWorkers)
    api = apiClient(started.url)
  })

  afterAll(() => tearDown(processes, () => relay, () => dropPrefix(prefix)))

  test(`${RATE} ± ${TOLERANCE} SMS per second at the relay with two workers`, async () => {
    const verifications = await api.createAll(numbers(6000, TOTAL), 16)
    await waitFor(`all ${TOTAL} SMS`, () => (relay.messages.length >= TOTAL ? true : undefined), 120_000, 200)

    const times = relay.messages.map((m) => m.receivedAt).sort((a, b) => a - b)
    const start = (times[0] ?? 0) + 1_000
    const steady = times.filter((t) => t >= start)
    const rate = slopePerSecond(steady)
    const spanRate = ((steady.length - 1) * 1_000) / ((steady.at(-1) ?? 0) - (steady[0] ?? 0))
    const sentBy = workers.map((w) => w.lines.filter((l) => l.includes('"outcome":"sent"')).length)
    console.log(
      `# (f) ${steady.length} SMS after the first second: ${rate.toFixed(2)}/s (slope), ${spanRate.toFixed(2)}/s (first to last); ` +
        `sent by worker-1 ${sentBy[0]}, worker-2 ${sentBy[1]}`,
    )
    assert.ok(sentBy.every((n) => (n ?? 0) > 0), 'both workers sent')
    assert.ok(Math.abs(rate - RATE) <= TOLERANCE, `achieved ${rate.toFixed(2)} SMS/s, want ${RATE} ± ${TOLERANCE}`)
    assert.equal(duplicates(relay.messages), 0)
    assertNoneAfterExpiry(relay.messages, verifications)
  })
})

/** Least-squares slope of the running count against time, in events per second. */
function slopePerSecond(times: readonly number[]): number {
  const n = times.length
  const t0 = times[0] ?? 0
  const xs = times.map((t) => (t - t0) / 1_000)
  const meanX = xs.reduce((a, b) => a + b, 0) / n
  const meanY = (n - 1) / 2
  let num = 0
  let den = 0
  xs.forEach((x, i) => {
    num += (x - meanX) * (i - meanY)
    den += (x - meanX) ** 2
  })
  return num / den
}
