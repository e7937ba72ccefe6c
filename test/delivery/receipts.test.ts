import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { assertNoneAfterExpiry } from './harness/assertions.js'
import { dropPrefix, numbers, serviceEnv, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (e) RELAY's delivery receipts (messaging.state on the send's context) reach GET /v1/verifications/{id}: the fake
 * relay answers +1201555 0001 with `undelivered` and +1201555 0002 with `failed`, each with a reason.
 */
describe('delivery (e): receipts on the verification', () => {
  const prefix = randomPrefix('receipts')
  const processes: ServiceProcess[] = []
  let relay: FakeRelay
  let api: ApiClient

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const env = serviceEnv({ redisUrl: TEST_REDIS_URL, prefix, relayUrl: relay.url })
    const [started] = await Promise.all([startApiProcess(env, 'api', processes), startWorkerProcess(env, 'worker', processes)])
    api = apiClient(started.url)
  })

  afterAll(() => tearDown(processes, () => relay, () => dropPrefix(prefix)))

  test('delivered, undelivered and failed show as delivery.status, with the reason as delivery.error', async () => {
    const [ok = '', undelivered = '', failed = ''] = [...numbers(5000, 1), '+12015550001', '+12015550002']
    const created = await api.createAll([ok, undelivered, failed], 3)

    const final = await waitFor(
      'the last receipt of each message',
      async () => {
        const all = await api.getAll(created.map((v) => v.id))
        return all.every((v) => ['delivered', 'undelivered', 'failed'].includes(v.delivery.status)) ? all : undefined
      },
      20_000,
      100,
    )
    const [gotOk, gotUndelivered, gotFailed] = final as [Verification, Verification, Verification]
    const messageIdOf = (to: string): string | undefined => relay.messages.find((m) => m.to === to)?.messageId

    assert.equal(gotOk.delivery.status, 'delivered')
    assert.equal(gotOk.delivery.error, undefined)
    assert.equal(gotOk.delivery.messageId, messageIdOf(ok))

    assert.equal(gotUndelivered.delivery.status, 'undelivered')
    assert.deepEqual(gotUndelivered.delivery.error, { code: 'undelivered', message: 'Unreachable destination handset' })
    assert.equal(gotUndelivered.delivery.messageId, messageIdOf(undelivered))

    assert.equal(gotFailed.delivery.status, 'failed')
    assert.deepEqual(gotFailed.delivery.error, { code: 'failed', message: 'Carrier rejected message' })
    assert.equal(gotFailed.delivery.messageId, messageIdOf(failed))

    // The verification itself is untouched by its delivery: still pending, its code still checkable.
    assert.deepEqual(final.map((v) => v.status), ['pending', 'pending', 'pending'])
    assert.equal(relay.messages.length, 3, 'one SMS each')
    assertNoneAfterExpiry(relay.messages, created)
  })
})
