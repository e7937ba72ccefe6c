import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { eventually, SENDER_NUMBER, startTestWorker, TEST_PROJECT, TEST_TOKEN, type TestWorker } from '../helpers/worker.js'
import { createSignalWireSender, SignalWireAuthError } from '../../worker/senders/signalwire.js'
import { createLogger } from '../../shared/logger.js'
import { parsePhone } from '../../shared/phone.js'
import { SEND_JOB_NAME, sendReference } from '../../shared/jobs.js'
import type { Verification } from '../../shared/verification.js'
import { SendFailure } from '../../worker/senders/sender.js'

describe('worker: real BullMQ and the real SignalWire SDK against the fake relay', () => {
  let relay: FakeRelay
  let t: TestApp
  let w: TestWorker

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN, receiptDelayMs: 2 })
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0', SEND_ATTEMPTS: '3' })
    w = await startTestWorker(t, relay.url, { sendTimeoutMs: 1_500 })
  })
  afterAll(async () => {
    await w.close()
    await t.close()
    await relay.close()
  })

  async function create(to: string): Promise<Verification> {
    const res = await t.v1('POST', '/v1/verifications', { to })
    assert.ok(res.status === 201 || res.status === 200, `create ${res.status}`)
    return (await res.json()) as Verification
  }

  async function deliveryOf(id: string, status: string): Promise<Verification> {
    return eventually(
      async () => {
        const v = await t.store.get(id)
        return v?.delivery.status === status ? v : undefined
      },
      10_000,
      `delivery ${status}`,
    )
  }

  test('sends the code from the pool number and records delivered from the receipts', async () => {
    const v = await create('+12015550401')
    const sms = await relay.waitForMessageTo('+12015550401', 10_000)
    const code = await t.codeOf(v.id)
    assert.equal(sms.body, `Your SMS 2FA verification code is: ${code}`)
    assert.equal(sms.from, SENDER_NUMBER)
    assert.equal(sms.context, 'otp')
    assert.deepEqual(sms.tags, [sendReference(v.id, 1)])
    const delivered = await deliveryOf(v.id, 'delivered')
    assert.equal(delivered.delivery.messageId, sms.messageId)
  })

  test("a verification's record stays in Redis's compact hash encoding: pending, delivered, and sent again", async () => {
    // Every value of a hash must be at most 64 bytes (Redis's default hash-max-listpack-value) or the whole record
    // becomes a hash table, about 2.5 times the memory: the sealed number and code, the message id, all of them.
    const to = '+12015550411'
    const v = await create(to)
    const key = t.keys.verification(v.id)
    const encoding = async (): Promise<unknown> => t.redis.call('OBJECT', 'ENCODING', key)
    assert.equal(await encoding(), 'listpack', 'pending')
    await deliveryOf(v.id, 'delivered')
    assert.equal(await encoding(), 'listpack', 'delivered, with its message id')
    const again = await create(to)
    assert.equal(again.id, v.id)
    assert.equal(again.sendAttempts, 2)
    await eventually(() => Promise.resolve(relay.messages.filter((m) => m.to === to).length === 2 ? true : undefined), 10_000, 'second SMS')
    await deliveryOf(v.id, 'delivered')
    assert.equal(await encoding(), 'listpack', 'sent twice')
    const stored = await t.store.getStored(v.id)
    assert.equal(stored?.sends.length, 2, 'both sends are listed')
    assert.deepEqual(stored?.sends.map((s) => s.channel), ['sms', 'sms'])
    assert.equal(stored?.resource.to, to)
  })

  test('undelivered and failed receipts carry the provider reason', async () => {
    const undelivered = await create('+12015550001')
    const failed = await create('+12015550002')
    const u = await deliveryOf(undelivered.id, 'undelivered')
    assert.equal(u.delivery.error?.code, 'undelivered')
    assert.ok((u.delivery.error?.message ?? '').length > 0)
    const f = await deliveryOf(failed.id, 'failed')
    assert.equal(f.delivery.error?.code, 'failed')
  })

  test('a refused number (RELAY 400) fails at once without retries', async () => {
    const v = await create('+12015550400')
    const failed = await deliveryOf(v.id, 'failed')
    assert.equal(failed.delivery.error?.code, 'provider_400')
    const job = await t.queue.getJob(sendReference(v.id, 1))
    assert.equal(job?.attemptsMade, 1)
    assert.equal(relay.messages.filter((m) => m.to === '+12015550400').length, 1)
  })

  test('a JSON-RPC error is retried, then recorded as failed after the last attempt', async () => {
    const v = await create('+12015550600')
    const failed = await deliveryOf(v.id, 'failed')
    assert.equal(failed.delivery.error?.code, 'rpc_32603')
    assert.equal(relay.messages.filter((m) => m.to === '+12015550600').length, 3, 'SEND_ATTEMPTS=3 tries')
  })

  test('a verification that ended before its turn is skipped, not sent', async () => {
    const phone = parsePhone('+12015550402')
    assert.ok(phone)
    await w.worker.pause()
    try {
      const v = await create('+12015550402')
      await t.v1('POST', `/v1/verifications/${v.id}/cancel`)
      w.worker.resume()
      const skipped = await deliveryOf(v.id, 'skipped')
      assert.equal(skipped.status, 'canceled')
    } finally {
      w.worker.resume()
    }
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(relay.messages.filter((m) => m.to === '+12015550402').length, 0)
  })

  test('a provider 429 holds the whole queue off and retries without spending an attempt (SEND_ATTEMPTS=3)', async () => {
    const throttled = '+12015550429'
    const v = await create(throttled)
    // Throttled for four sends: more than the three attempts a plain retry would allow.
    await eventually(() => Promise.resolve(relay.messages.filter((m) => m.to === throttled).length >= 4 ? true : undefined), 20_000, 'four throttled sends')
    relay.setScenario(throttled, 'ok')
    const delivered = await deliveryOf(v.id, 'delivered')
    assert.equal(delivered.status, 'pending')
    const job = await t.queue.getJob(sendReference(v.id, 1))
    assert.equal(job?.returnvalue, 'sent')
    assert.ok((job?.attemptsMade ?? 99) <= 1, `a throttled send spends no attempt (attemptsMade ${String(job?.attemptsMade)})`)
    // Between throttled sends the queue waited at least the throttle delay.
    const times = relay.messages.filter((m) => m.to === throttled).map((m) => m.receivedAt)
    const gaps = times.slice(1).map((at, i) => at - (times[i] ?? at))
    assert.ok(gaps.slice(0, 3).every((gap) => gap >= 1_900), `gaps between throttled sends: ${gaps.join(', ')} ms`)
  }, 60_000)

  test('an expired code is never sent', async () => {
    await w.worker.pause()
    const v = await create('+12015550403')
    t.clock.advance(t.config.codes.ttlSeconds * 1000)
    w.worker.resume()
    const skipped = await deliveryOf(v.id, 'skipped')
    assert.equal(skipped.status, 'expired')
    assert.equal(relay.messages.filter((m) => m.to === '+12015550403').length, 0)
  })

  test('an older send job of a resent verification is superseded: one SMS, not two', async () => {
    await w.worker.pause()
    const v = await create('+12015550404')
    await create('+12015550404')
    w.worker.resume()
    await relay.waitForMessageTo('+12015550404', 10_000)
    await eventually(async () => ((await t.queue.getJob(sendReference(v.id, 1)))?.finishedOn ? true : undefined), 5_000, 'first job done')
    await eventually(async () => ((await t.queue.getJob(sendReference(v.id, 2)))?.finishedOn ? true : undefined), 5_000, 'second job done')
    assert.equal(relay.messages.filter((m) => m.to === '+12015550404').length, 1)
    assert.equal((await t.queue.getJob(sendReference(v.id, 1)))?.returnvalue, 'superseded')
  })

  test('a job already sent for its attempt is not sent again (idempotent processor)', async () => {
    const v = await create('+12015550405')
    await deliveryOf(v.id, 'delivered')
    // The same attempt queued again under another job id, as a redelivered job would be.
    await t.queue.add(SEND_JOB_NAME, { id: v.id, attempt: 1, queuedAt: Date.now() }, { jobId: `${sendReference(v.id, 1)}-again` })
    const job = await eventually(async () => {
      const j = await t.queue.getJob(`${sendReference(v.id, 1)}-again`)
      return j?.finishedOn ? j : undefined
    })
    assert.equal(job.returnvalue, 'already_sent')
    assert.equal(relay.messages.filter((m) => m.to === '+12015550405').length, 1)
  })

  test('every send has its own time limit, and a timeout is an unknown outcome', async () => {
    // A relay that answers after 2 s (not never: the SDK's disconnect() would then wait forever, RELAY.md §8).
    relay.setSendDelay(2_000)
    const started = Date.now()
    try {
      await assert.rejects(
        w.sender.send({ to: '+12015550998', body: 'x', reference: 'ver_test-1' }, 300),
        (err: unknown) => err instanceof SendFailure && err.kind === 'unknown' && err.code === 'timeout',
      )
      assert.ok(Date.now() - started < 1_500, 'gave up at its own limit, not the SDK 10 s one')
    } finally {
      relay.setSendDelay(0)
    }
    await relay.waitForMessageTo('+12015550998', 5_000)
    await new Promise((r) => setTimeout(r, 2_100))
  })

  test('while the relay is down the worker takes no jobs: they wait in the queue and go out once it is back', async () => {
    const numbers = Array.from({ length: 20 }, (_, i) => `+120155508${String(i).padStart(2, '0')}`)
    await relay.stop()
    try {
      await eventually(() => Promise.resolve(w.gate.connected ? undefined : true), 10_000, 'the sender to see the relay gone')
      assert.equal(w.worker.isPaused(), true)
      const created: Verification[] = []
      for (const to of numbers) created.push(await create(to))
      // Longer than the 1–2 s after which a job refused as "not connected" comes back: cycled jobs would show here.
      await new Promise((r) => setTimeout(r, 2_500))
      // A blocking wait for a job that was already under way when the connection dropped can still hand over one
      // job: it is put back once. Every other job must be untouched in the queue; unpaused, nearly all of them would
      // be going round between active and delayed.
      const counts = await t.queue.getJobCounts('waiting', 'active', 'delayed')
      assert.equal(counts.active, 0)
      assert.ok(counts.waiting !== undefined && counts.waiting >= 19 && counts.waiting + (counts.delayed ?? 0) === 20, JSON.stringify(counts))
      const statuses = await Promise.all(created.map(async (v) => (await t.store.get(v.id))?.delivery.status))
      assert.ok(statuses.filter((s) => s === 'queued').length >= 19, statuses.join(' '))
    } finally {
      await relay.start()
    }
    for (const to of numbers) await relay.waitForMessageTo(to, 15_000)
    assert.equal(w.gate.connected, true)
    assert.equal(w.worker.isPaused(), false)
  })
})

/** A sender on its own (no worker) against `relayUrl`. */
function standaloneSender(relayUrl: string, token = TEST_TOKEN) {
  return createSignalWireSender({
    project: TEST_PROJECT,
    token,
    host: relayUrl,
    numbers: [SENDER_NUMBER],
    context: 'otp',
    logger: createLogger({ runtime: { logLevel: 'silent', production: false, nodeEnv: 'test', shutdownTimeoutMs: 1_000 } }, 'worker'),
    onReceipt: () => undefined,
    onFatal: () => undefined,
  })
}

describe('SignalWire sender over many sends', () => {
  test('the SDK client does not keep finished sends (and the codes in them)', async () => {
    const relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const sender = await standaloneSender(relay.url)
    try {
      const before = sender.sdkTasksHeld()
      assert.notEqual(before, undefined, 'the SDK still keeps its tasks where the sender prunes them')
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            sender.send({ to: `+1201555${String(1000 + batch * 30 + i)}`, body: 'Your verification code is: 123456', reference: `ver_x-${batch}-${i}` }, 5_000),
          ),
        )
      }
      // 300 sends: unpruned, the client would hold 300 more tasks; pruned, at most one pruning interval's worth.
      const held = sender.sdkTasksHeld() ?? Infinity
      assert.ok(held <= (before ?? 0) + 64, `the SDK client holds ${held} tasks after 300 sends`)
    } finally {
      await sender.close()
      await relay.close()
    }
  })
})

describe('SignalWire boot', () => {
  test('bad credentials stop the sender at boot with a clear error', async () => {
    const relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    try {
      await assert.rejects(
        standaloneSender(relay.url, 'wrong-token'),
        (err: unknown) => err instanceof SignalWireAuthError && /SIGNALWIRE_PROJECT and SIGNALWIRE_TOKEN/.test(err.message),
      )
    } finally {
      await relay.close()
    }
  })
})
