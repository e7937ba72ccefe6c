import assert from 'node:assert/strict'
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay, type ReceivedCall } from '../fake-relay/server.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { eventually, SENDER_NUMBER, startTestWorker, TEST_PROJECT, TEST_TOKEN, type TestWorker } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'

/*
 * Calls: the real worker (both queues), the real SignalWire SDK, the fake relay playing RELAY's calling protocol.
 * What a test asserts is what the callee would hear (the TTS text and language at the relay) and what the
 * verification then shows.
 */

/** Every code spelled out in a call's text ("4, 8, 2, 9, 1, 3"), in the order spoken. */
function spokenCodes(call: ReceivedCall): string[] {
  const text = call.tts.map((t) => t.text).join(' ')
  return [...text.matchAll(/[0-9A-Z](?:, [0-9A-Z])+/g)].map((m) => m[0].replace(/, /g, ''))
}

describe('calls', () => {
  let relay: FakeRelay
  let t: TestApp
  let w: TestWorker

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0', CALL_FALLBACK_AFTER_SECONDS: '1', MAX_CONCURRENT_CALLS: '3' })
    w = await startTestWorker(t, relay.url)
  })
  afterEach(() => relay.reset())
  afterAll(async () => {
    await w.close()
    await t.close()
    await relay.close()
  })

  async function create(body: Record<string, unknown>, status = 201): Promise<Verification> {
    const res = await t.v1('POST', '/v1/verifications', body)
    const json = (await res.json()) as Verification
    assert.equal(res.status, status, JSON.stringify(json))
    return json
  }

  const deliveryOf = (id: string, status: string): Promise<Verification> =>
    eventually(
      async () => {
        const v = await t.store.get(id)
        return v?.delivery.status === status ? v : undefined
      },
      10_000,
      `delivery ${status}`,
    )

  test('channel call: the code is spoken digit by digit, twice, in English; the call hangs up; delivered; the code approves', async () => {
    const to = '+12015550701'
    const v = await create({ to, channel: 'call' })
    assert.equal(v.channel, 'call')
    const code = await t.codeOf(v.id)
    const call = await relay.waitForCallEnded(to)
    assert.equal(call.from, SENDER_NUMBER)
    assert.deepEqual(spokenCodes(call), [code, code])
    assert.equal(call.tts[0]?.language, 'en-US')
    assert.match(call.tts[0]?.text ?? '', /^Your SMS 2FA verification code is: /)
    assert.equal(call.tts[0]?.outcome, 'finished')
    assert.equal(call.clientHungUp, true, 'the worker hangs up once the code was said')
    const delivered = await deliveryOf(v.id, 'delivered')
    assert.equal(delivered.delivery.messageId, call.callId)
    assert.equal(relay.messages.filter((m) => m.to === to).length, 0, 'no SMS')
    const checked = await t.v1('POST', '/v1/verifications/check', { id: v.id, code })
    assert.equal(((await checked.json()) as Verification).status, 'approved')
  })

  test('busy and unanswered numbers end undelivered with their reason; a callee who hangs up mid-code, failed', async () => {
    const busy = await create({ to: '+12015550486', channel: 'call' })
    const unanswered = await create({ to: '+12015550408', channel: 'call' })
    const hungUp = await create({ to: '+12015550487', channel: 'call' })
    const playError = await create({ to: '+12015550415', channel: 'call' })
    assert.equal((await deliveryOf(busy.id, 'undelivered')).delivery.error?.code, 'busy')
    assert.equal((await deliveryOf(unanswered.id, 'undelivered')).delivery.error?.code, 'no_answer')
    assert.equal((await deliveryOf(hungUp.id, 'failed')).delivery.error?.code, 'hung_up')
    assert.equal((await deliveryOf(playError.id, 'failed')).delivery.error?.code, 'play_error')
    // Each was dialed once: a call is never placed again by its job.
    await new Promise((r) => setTimeout(r, 300))
    for (const to of ['+12015550486', '+12015550408', '+12015550487', '+12015550415']) {
      assert.equal(relay.calls.filter((c) => c.to === to).length, 1, to)
    }
  })

  test('calls at once on one RELAY client each speak their own code, even with a busy one among them (RELAY.md §7.1)', async () => {
    // Answered in reverse order, so the first dial to settle is not the first one made.
    relay.setRingTime(150, '+12015550711')
    relay.setRingTime(90, '+12015550712')
    relay.setRingTime(30, '+12015550713')
    const made = await Promise.all(['+12015550711', '+12015550712', '+12025550486', '+12015550713'].map((to) => create({ to, channel: 'call' })))
    for (const v of made) {
      if (v.to === '+12025550486') {
        assert.equal((await deliveryOf(v.id, 'undelivered')).delivery.error?.code, 'busy')
        continue
      }
      await deliveryOf(v.id, 'delivered')
      const call = relay.calls.find((c) => c.to === v.to)
      assert.ok(call !== undefined)
      assert.deepEqual(spokenCodes(call), [await t.codeOf(v.id), await t.codeOf(v.id)], `${v.to} hears its own code`)
      assert.equal(call.tts.length, 1, `${v.to}: one playback, no other call's`)
    }
  })

  test('MAX_CONCURRENT_CALLS bounds the calls in progress, and SMS keep going meanwhile', async () => {
    relay.setRingTime(400)
    const numbers = ['+12015550721', '+12015550722', '+12015550723', '+12015550724', '+12015550725', '+12015550726']
    const made = await Promise.all(numbers.map((to) => create({ to, channel: 'call' })))
    // An SMS queued behind six ringing calls is sent at once: calls have their own queue.
    const sms = await create({ to: '+12015550727' })
    await relay.waitForMessageTo('+12015550727', 5_000)
    assert.ok(relay.calls.filter((c) => c.state === 'ended').length < numbers.length, 'the SMS went out while calls were still going')
    await deliveryOf(sms.id, 'delivered')
    for (const v of made) await deliveryOf(v.id, 'delivered')
    // At no moment were more than 3 calls up.
    const spans = relay.calls.filter((c) => numbers.includes(c.to)).map((c) => [c.dialedAt, c.endedAt ?? Infinity] as const)
    const most = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length))
    assert.ok(most <= 3, `${most} calls at once`)
    assert.equal(most, 3, 'and the limit was reached')
  })

  test('+34 hears Spanish; locale "ja" Japanese; the TTS language matches', async () => {
    const spain = await create({ to: '+34612345678', channel: 'call' })
    assert.equal(spain.locale, 'es')
    const es = await relay.waitForCallEnded('+34612345678')
    assert.equal(es.tts[0]?.language, 'es-ES')
    assert.match(es.tts[0]?.text ?? '', /^Tu código de verificación de SMS 2FA es: /)
    const japan = await create({ to: '+12015550731', channel: 'call', locale: 'ja' })
    assert.equal(japan.locale, 'ja')
    const ja = await relay.waitForCallEnded('+12015550731')
    assert.equal(ja.tts[0]?.language, 'ja-JP')
    assert.match(ja.tts[0]?.text ?? '', /認証コード/)
    assert.deepEqual(spokenCodes(ja), [await t.codeOf(japan.id), await t.codeOf(japan.id)])
  })

  test('a pending SMS verification asked for again by call: the same code, spoken; then the SMS receipts no longer move it', async () => {
    const to = '+12015550741'
    const first = await create({ to })
    await relay.waitForMessageTo(to, 5_000)
    await deliveryOf(first.id, 'delivered')
    const again = await create({ to, channel: 'call' }, 200)
    assert.equal(again.id, first.id)
    assert.equal(again.channel, 'call')
    assert.equal(again.sendAttempts, 2)
    const call = await relay.waitForCallEnded(to)
    assert.deepEqual(spokenCodes(call), [await t.codeOf(first.id), await t.codeOf(first.id)])
    const delivered = await deliveryOf(first.id, 'delivered')
    assert.equal(delivered.delivery.messageId, call.callId)
  })

  describe('fallback: "call"', () => {
    test('an SMS that ends undelivered is followed at once by a call with the same code', async () => {
      const to = '+12015550001'
      const v = await create({ to, fallback: 'call' })
      const call = await relay.waitForCallEnded(to, 5_000)
      const code = await t.codeOf(v.id)
      assert.deepEqual(spokenCodes(call), [code, code])
      const after = await deliveryOf(v.id, 'delivered')
      assert.equal(after.channel, 'call')
      assert.equal(after.sendAttempts, 2)
      assert.equal(after.delivery.messageId, call.callId)
      assert.ok(call.dialedAt - (relay.messages.find((m) => m.to === to)?.receivedAt ?? 0) < 900, 'before the fallback time: the receipt brought it forward')
    })

    test('an SMS with no receipt is followed by a call after CALL_FALLBACK_AFTER_SECONDS', async () => {
      const to = '+12015550777'
      const v = await create({ to, fallback: 'call' })
      await relay.waitForMessageTo(to, 5_000)
      await deliveryOf(v.id, 'sent')
      const call = await relay.waitForCallEnded(to, 10_000)
      const sms = relay.messages.find((m) => m.to === to)
      assert.ok(sms !== undefined && call.dialedAt - sms.receivedAt >= 800, 'the call waited for the fallback time')
      assert.deepEqual(spokenCodes(call), [await t.codeOf(v.id), await t.codeOf(v.id)])
      await deliveryOf(v.id, 'delivered')
    })

    test('no call after a delivered SMS, nor after the verification was approved', async () => {
      const delivered = await create({ to: '+12015550751', fallback: 'call' })
      await deliveryOf(delivered.id, 'delivered')
      const approvedTo = '+12025550777'
      const approved = await create({ to: approvedTo, fallback: 'call' })
      await relay.waitForMessageTo(approvedTo, 5_000)
      const checked = await t.v1('POST', '/v1/verifications/check', { id: approved.id, code: await t.codeOf(approved.id) })
      assert.equal(((await checked.json()) as Verification).status, 'approved')
      // Past the fallback time, and the fallback jobs ran (and decided not to call).
      for (const id of [delivered.id, approved.id]) {
        await eventually(async () => ((await t.callQueue.getJob(`${id}-fallback`))?.finishedOn !== undefined ? true : undefined), 10_000, 'the fallback job to finish')
        assert.notEqual((await t.callQueue.getJob(`${id}-fallback`))?.returnvalue, 'sent')
      }
      assert.equal(relay.calls.filter((c) => c.to === '+12015550751' || c.to === approvedTo).length, 0)
      assert.equal((await t.store.get(approved.id))?.channel, 'sms')
    })

    test('refused with channel call, and for a number that may not receive calls', async () => {
      const both = await t.v1('POST', '/v1/verifications', { to: '+12015550761', channel: 'call', fallback: 'call' })
      assert.equal(both.status, 400)
    })
  })
})

describe('ALLOWED_CALL_NUMBER_TYPES', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ ALLOWED_NUMBER_TYPES: 'MOBILE,FIXED_LINE_OR_MOBILE,FIXED_LINE', ALLOWED_CALL_NUMBER_TYPES: 'FIXED_LINE' })
  })
  afterAll(() => t.close())

  test('a call, or an SMS that may fall back to one, only to the types listed; SMS keep their own list', async () => {
    const mobile = '+447400123456'
    const landline = '+442079460123'
    const refused = await t.v1('POST', '/v1/verifications', { to: mobile, channel: 'call' })
    assert.equal(refused.status, 403)
    const body = (await refused.json()) as { error: { code: string; type: string; channel: string } }
    assert.deepEqual([body.error.code, body.error.type, body.error.channel], ['number_type_not_allowed', 'MOBILE', 'call'])
    assert.equal((await t.v1('POST', '/v1/verifications', { to: mobile, fallback: 'call' })).status, 403)
    assert.equal((await t.v1('POST', '/v1/verifications', { to: mobile })).status, 201, 'an SMS to the mobile is fine')
    assert.equal((await t.v1('POST', '/v1/verifications', { to: landline, channel: 'call' })).status, 201)
  })
})
