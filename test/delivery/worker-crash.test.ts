import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { assertNoneAfterExpiry, duplicates } from './harness/assertions.js'
import { dropPrefix, numbers, queueProbe, serviceEnv, sleep, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (a) A worker process is SIGKILLed in the middle of a batch of 500 sends. A second worker takes over the jobs the
 * dead one held (BullMQ's stalled-job check, after WORKER_LOCK_SECONDS) and every SMS arrives.
 *
 * Duplicates bound: only jobs that were active in the killed worker can run twice, and BullMQ hands a worker at most
 * WORKER_CONCURRENCY active jobs. A job that completed is never run again, and a job re-run after its accepted send
 * was recorded is skipped by the claim step (`already_sent`). So at most WORKER_CONCURRENCY numbers get a second SMS:
 * those whose send had reached the relay but whose answer the dead worker never recorded.
 */
const TOTAL = 500
const CONCURRENCY = 10
/** each send waits this long for the relay's answer: 10 in flight ≈ 60 SMS/s, so the batch takes seconds */
const SEND_DELAY_MS = 150
const KILL_AFTER = 150

describe('delivery (a): a worker killed mid-batch', () => {
  const prefix = randomPrefix('crash')
  const processes: ServiceProcess[] = []
  let relay: FakeRelay
  let api: ApiClient
  let env: Record<string, string>

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN, sendDelayMs: SEND_DELAY_MS })
    env = serviceEnv({ redisUrl: TEST_REDIS_URL, prefix, relayUrl: relay.url, extra: { WORKER_CONCURRENCY: String(CONCURRENCY) } })
    const started = await startApiProcess(env, 'api', processes)
    api = apiClient(started.url)
  })

  afterAll(() => tearDown(processes, () => relay, () => dropPrefix(prefix)))

  test(`SIGKILL while sending: all ${TOTAL} SMS arrive, at most ${CONCURRENCY} twice`, async () => {
    // All 500 are queued before the first worker starts, so it is killed mid-batch however slow the machine is.
    const verifications = await api.createAll(numbers(1000, TOTAL))
    const first = await startWorkerProcess(env, 'worker-1', processes)

    await waitFor(`${KILL_AFTER} SMS at the relay`, () => (relay.messages.length >= KILL_AFTER ? true : undefined), 60_000, 10)
    await first.stop('SIGKILL')
    const atKill = relay.messages.length
    assert.ok(atKill < TOTAL, `the worker was killed mid-batch (${atKill} of ${TOTAL} sent)`)

    await startWorkerProcess(env, 'worker-2', processes)
    const wanted = new Set(verifications.map((v) => v.to))
    const received = new Set<string>()
    await waitFor(
      `all ${TOTAL} numbers at the relay`,
      () => {
        for (const m of relay.messages) received.add(m.to)
        return [...wanted].every((to) => received.has(to)) ? true : undefined
      },
      90_000,
    )
    // A job the killed worker held may be re-run after its number was already seen: count duplicates only once the
    // queue has nothing left to run.
    const probe = queueProbe(TEST_REDIS_URL, prefix)
    try {
      await waitFor('the queue to drain', async () => ((await probe.unfinished()) === 0 ? true : undefined), 30_000, 250)
    } finally {
      await probe.close()
    }
    await sleep(500)

    const dup = duplicates(relay.messages)
    console.log(`# (a) killed at ${atKill}/${TOTAL} received; duplicates after takeover: ${dup} (bound ${CONCURRENCY})`)
    assert.ok(relay.messages.every((m) => wanted.has(m.to)), 'only the requested numbers were texted')
    assert.ok(dup <= CONCURRENCY, `${dup} duplicate SMS; at most ${CONCURRENCY} (the jobs in flight at the kill) may repeat`)
    assertNoneAfterExpiry(relay.messages, verifications)

    // Every verification ends accepted by the provider. Most show `delivered`; a message whose receipts were still
    // on their way to the killed worker keeps the step it had reached (the fake relay, like a RELAY session that is
    // gone, does not replay them to the new connection).
    const relayIds = new Set(relay.messages.map((m) => m.messageId))
    const accepted = (v: Verification): boolean =>
      ['sending', 'sent', 'delivered'].includes(v.delivery.status) && relayIds.has(v.delivery.messageId ?? '')
    let final: Verification[] = []
    await waitFor(
      'every verification to record its message id',
      async () => {
        final = await api.getAll(verifications.map((v) => v.id))
        return final.every(accepted) ? true : undefined
      },
      15_000,
      500,
    ).catch(() => undefined)
    const statuses: Record<string, number> = {}
    for (const v of final) statuses[v.delivery.status] = (statuses[v.delivery.status] ?? 0) + 1
    console.log(`# (a) delivery statuses: ${JSON.stringify(statuses)}`)
    assert.equal(final.filter((v) => !accepted(v)).length, 0, 'every verification records a message id the relay issued')
  })
})
