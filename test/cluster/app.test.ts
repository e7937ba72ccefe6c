import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { buildTestApp, postForm, type TestApp } from '../helpers/app.js'
import { eventually, startTestWorker, TEST_PROJECT, TEST_TOKEN, type TestWorker } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'
import { clusterNodes, errorStats, errorStatsDelta, numbersFrom, scriptErrors } from './helpers.js'

/*
 * The integration paths on a real Redis Cluster: the app in process (as test/integration does), a real BullMQ
 * worker with the real SignalWire SDK against the fake relay. Around it all, the cluster's own error counters:
 * a script whose keys span two slots makes Redis count a CROSSSLOT (or a script ERR), which fails the last test.
 */

interface CheckBody {
  status: string
  valid: boolean
  checkAttemptsRemaining: number
}

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0')
}

const numbers = numbersFrom(0, 200, '415')
let nextIndex = 0
/** numbers a limit refused: no verification, no SMS */
const refusedNumbers = new Set<string>()
function nextNumber(): string {
  const n = numbers[nextIndex++]
  if (n === undefined) throw new Error('out of test numbers')
  return n
}

describe('cluster: the app and a real worker on a Redis Cluster', () => {
  let relay: FakeRelay
  let t: TestApp
  let w: TestWorker
  let statsBefore: Record<string, number>

  beforeAll(async () => {
    statsBefore = await errorStats()
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN, receiptDelayMs: 2 })
    t = await buildTestApp({
      REDIS_CLUSTER_NODES: clusterNodes(),
      RESEND_COOLDOWN_SECONDS: '0',
      MAX_FAILED_CHECKS_PER_DAY: '1000',
      // Turn the shared limits on, so their reserve/release scripts run on the cluster too.
      IP_SENDS_PER_HOUR: '3',
      GLOBAL_SENDS_PER_HOUR: '100000',
      COUNTRY_SENDS_PER_HOUR: 'US:100000',
    })
    w = await startTestWorker(t, relay.url, { sendTimeoutMs: 2_000 })
  })
  afterAll(async () => {
    await w.close()
    await t.close()
    await relay.close()
  })

  async function create(to = nextNumber()): Promise<Verification> {
    const res = await t.v1('POST', '/v1/verifications', { to, channel: 'sms' })
    assert.equal(res.status, 201)
    return (await res.json()) as Verification
  }

  test('create, resend (same id, same code), wrong then right check by number, then 409', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    const again = await t.v1('POST', '/v1/verifications', { to: v.to })
    assert.equal(again.status, 200)
    const resent = (await again.json()) as Verification
    assert.equal(resent.id, v.id)
    assert.equal(resent.sendAttempts, 2)
    assert.equal(await t.codeOf(v.id), code)

    const wrong = await t.v1('POST', '/v1/verifications/check', { to: v.to, code: otherCode(code) })
    assert.equal(wrong.status, 200)
    assert.equal(((await wrong.json()) as CheckBody).valid, false)
    const right = await t.v1('POST', '/v1/verifications/check', { to: v.to, code })
    assert.equal(right.status, 200)
    assert.deepEqual(await right.json(), { id: v.id, to: v.to, status: 'approved', valid: true, checkAttemptsRemaining: 4 })
    assert.equal((await t.v1('POST', '/v1/verifications/check', { id: v.id, code })).status, 409)
  })

  test('cancel, then check and cancel are 409; GET reads it back', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    assert.equal((await t.v1('POST', `/v1/verifications/${v.id}/cancel`)).status, 200)
    assert.equal((await t.v1('POST', '/v1/verifications/check', { id: v.id, code })).status, 409)
    assert.equal((await t.v1('POST', `/v1/verifications/${v.id}/cancel`)).status, 409)
    const got = await t.v1('GET', `/v1/verifications/${v.id}`)
    assert.equal(got.status, 200)
    assert.equal(((await got.json()) as Verification).status, 'canceled')
  })

  test('an Idempotency-Key replays the first answer', async () => {
    const to = nextNumber()
    const headers = { 'Idempotency-Key': `cluster-${to}` }
    const first = await t.v1('POST', '/v1/verifications', { to }, headers)
    assert.equal(first.status, 201)
    const replay = await t.v1('POST', '/v1/verifications', { to }, headers)
    assert.equal(replay.status, 201)
    assert.equal(((await replay.json()) as Verification).id, ((await first.json()) as Verification).id)
  })

  test('form routes with the per-IP limit: three sends, the fourth is 429, validate works', async () => {
    const sent: string[] = []
    for (let i = 0; i < 3; i++) {
      const number = nextNumber()
      const res = await postForm(t.app, '/request-auth', { number })
      assert.equal(res.status, 200, await res.text())
      sent.push(number)
    }
    const refusedNumber = nextNumber()
    refusedNumbers.add(refusedNumber)
    const refused = await postForm(t.app, '/request-auth', { number: refusedNumber })
    assert.equal(refused.status, 429)
    const number = sent[0] ?? ''
    const id = await t.store.latestIdFor(number, t.serviceStore.builtIn.public)
    assert.ok(id)
    const ok = await postForm(t.app, '/validate-auth', { number, auth_code: await t.codeOf(id) })
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), 'Success!')
  })

  test('50 concurrent checks of the right code approve exactly once', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.v1('POST', '/v1/verifications/check', { id: v.id, code })))
    assert.equal(answers.filter((r) => r.status === 200).length, 1)
    assert.equal(answers.filter((r) => r.status === 409).length, 49)
  })

  test('50 concurrent wrong checks count exactly five', async () => {
    const v = await create()
    const wrong = otherCode(await t.codeOf(v.id))
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.v1('POST', '/v1/verifications/check', { to: v.to, code: wrong })))
    assert.equal(answers.filter((r) => r.status === 200).length, 5)
    assert.equal(answers.filter((r) => r.status === 409).length, 45)
    const stored = await t.store.get(v.id)
    assert.equal(stored?.checkAttempts, 5)
    assert.equal(stored?.status, 'max_attempts_reached')
  })

  test('the worker sends through the SDK and records the receipts', async () => {
    const v = await create()
    const sms = await relay.waitForMessageTo(v.to, 15_000)
    assert.equal(sms.body, `Your SMS 2FA verification code is: ${await t.codeOf(v.id)}`)
    const delivered = await eventually(
      async () => {
        const got = await t.store.get(v.id)
        return got?.delivery.status === 'delivered' ? got : undefined
      },
      15_000,
      'delivered',
    )
    assert.equal(delivered.delivery.messageId, sms.messageId)
  })

  test('the worker finished every job: each verification delivered, or skipped because it had ended first', async () => {
    const used = numbers.slice(0, nextIndex).filter((n) => !refusedNumbers.has(n))
    assert.ok(used.length >= 8, `${used.length} numbers used`)
    const finals = await eventually(
      async () => {
        const out: Array<{ to: string; delivery: string }> = []
        for (const to of used) {
          // Numbers were used on /v1 (the default service) and on the form routes (the public one).
          const id = (await t.store.latestIdFor(to, t.serviceStore.builtIn.default)) ?? (await t.store.latestIdFor(to, t.serviceStore.builtIn.public))
          const v = id === undefined ? undefined : await t.store.get(id)
          if (v === undefined || !['delivered', 'skipped'].includes(v.delivery.status)) return undefined
          out.push({ to, delivery: v.delivery.status })
        }
        return out
      },
      20_000,
      'every job finished',
    )
    for (const { to, delivery } of finals) {
      const sms = relay.messages.filter((m) => m.to === to).length
      if (delivery === 'delivered') assert.ok(sms >= 1, 'a delivered verification has its SMS at the relay')
    }
    assert.ok(finals.some((f) => f.delivery === 'delivered'))
    assert.equal(await t.queue.getFailedCount(), 0)
  })

  test('no cross-slot (or other script) error anywhere on the cluster during these flows', async () => {
    const delta = errorStatsDelta(statsBefore, await errorStats())
    assert.deepEqual(scriptErrors(delta), {}, `errors counted by the cluster: ${JSON.stringify(delta)}`)
    assert.ok((delta.scriptCalls ?? 0) > 100, `scripts ran on the cluster during this run: ${JSON.stringify(delta)}`)
  })
})
