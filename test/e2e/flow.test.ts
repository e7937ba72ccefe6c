import assert from 'node:assert/strict'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { TEST_API_KEY, TEST_PROJECT, TEST_TOKEN } from '../helpers/constants.js'
import { numberForms, plaintextLeaks } from '../helpers/leaks.js'
import { relayServiceEnv, startApi, startService, type ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, dumpValues, randomPrefix, TEST_REDIS_URL, testRedis } from '../helpers/redis.js'
import type { Verification } from '../../shared/verification.js'

/*
 * End to end: the real API and worker processes, started with npm as an operator would, the real SignalWire SDK
 * talking to the fake RELAY server, and the real Redis. The SMS is read where a phone would read it: at the relay.
 * With E2E_NO_WORKER=1 the worker is not started, and these tests fail (no SMS arrives): proof they can.
 */
const TWILIO_ACCOUNT = `AC${'e2'.repeat(16)}`
const TWILIO_TOKEN = 'e2e-twilio-token-0123456789abcdef'
const MFA_PROJECT = 'e2e-project'
const MFA_TOKEN = 'e2e-mfa-token-0123456789abcdef'

describe('end to end: npm run start:api + npm run start:worker, SMS through the SignalWire SDK', () => {
  const prefix = randomPrefix('e2e')
  const issuedCodes: string[] = []
  const numbersUsed: string[] = []
  let relay: FakeRelay
  let api: ServiceProcess
  let worker: ServiceProcess | undefined
  let url: string

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const env = {
      ...relayServiceEnv(prefix, relay.url),
      REDIS_URL: TEST_REDIS_URL,
      CODE_TTL_SECONDS: '120',
      LOG_LEVEL: 'debug',
      TWILIO_COMPAT_CREDENTIALS: `${TWILIO_ACCOUNT}:${TWILIO_TOKEN}`,
      SIGNALWIRE_MFA_CREDENTIALS: `${MFA_PROJECT}:${MFA_TOKEN}`,
    }
    const started = await startApi(env)
    api = started.process
    url = started.url
    if (process.env.E2E_NO_WORKER !== '1') {
      worker = startService('worker', 'start:worker', env)
      await worker.waitForLog((l) => l.msg === 'worker started')
    }
  })

  afterAll(async () => {
    await Promise.all([api.stop(), worker?.stop()])
    const redis = testRedis()
    try {
      // No issued code, and no full phone number, anywhere in Redis under this run's keys (jobs included) ...
      // (codes also as a call spells them out: "4, 8, 2, 9, 1, 3")
      const secrets = [...issuedCodes, ...issuedCodes.map((c) => [...c].join(', ')), ...numbersUsed.flatMap(numberForms)]
      assert.ok(issuedCodes.length >= 3, 'the scan has codes to look for')
      assert.deepEqual(plaintextLeaks((await dumpValues(redis, prefix)).join('\n'), secrets), [], 'found in Redis')
      // ... nor in any line either process wrote.
      assert.deepEqual(plaintextLeaks([...api.lines, ...(worker?.lines ?? [])].join('\n'), secrets), [], 'found in the logs')
    } finally {
      await deletePrefix(redis, prefix)
      redis.disconnect()
      await relay.close()
    }
    // npm itself dies by the signal; the service inside says whether it shut down in order.
    for (const service of [api, worker]) {
      if (service === undefined) continue
      assert.ok(service.lines.some((l) => l.includes('"msg":"stopped"')), `${service.name} stopped cleanly on SIGTERM`)
    }
  })

  async function smsFor(number: string, after = 0): Promise<string> {
    const deadline = Date.now() + 15_000
    for (;;) {
      const sms = relay.messages.filter((m) => m.to === number && m.receivedAt >= after).at(-1)
      if (sms !== undefined) return sms.body
      if (Date.now() > deadline) throw new Error(`no SMS reached ${number} within 15 s: is the worker running?`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  async function smsCodeFor(number: string, after = 0): Promise<string> {
    const body = await smsFor(number, after)
    const code = /(\d{6})/.exec(body)?.[1]
    assert.ok(code, `a code in "${body}"`)
    issuedCodes.push(code)
    return code
  }

  function form(path: string, fields: Record<string, string>): Promise<Response> {
    return fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    })
  }

  function v1(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

  test('/request-auth texts a code; /validate-auth: right 200 "Success!", wrong 403, reused 403', async () => {
    const number = '+12015550150'
    numbersUsed.push(number)
    const requested = await form('/request-auth', { number })
    assert.equal(requested.status, 200)
    assert.equal(await requested.text(), 'Your code was sent')

    const code = await smsCodeFor(number)
    const wrong = await form('/validate-auth', { number, auth_code: code === '123456' ? '654321' : '123456' })
    assert.equal(wrong.status, 403)
    const ok = await form('/validate-auth', { number, auth_code: code })
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), 'Success!')
    const reused = await form('/validate-auth', { number, auth_code: code })
    assert.equal(reused.status, 403)
  })

  test('a resend while pending texts the same code', async () => {
    const number = '+12015550151'
    numbersUsed.push(number)
    await form('/request-auth', { number })
    const first = await smsCodeFor(number)
    // RESEND_COOLDOWN_SECONDS is 30 by default: the second request is refused until then.
    const early = await form('/request-auth', { number })
    assert.equal(early.status, 429)
    assert.ok(Number(early.headers.get('retry-after')) > 0)
    assert.equal(relay.messages.filter((m) => m.to === number).length, 1)
    assert.equal(first.length, 6)
  })

  test('/v1: create, SMS, check by id, and GET shows the delivery receipts', async () => {
    const number = '+12015550152'
    numbersUsed.push(number)
    const created = await v1('POST', '/v1/verifications', { to: number, channel: 'sms' })
    assert.equal(created.status, 201)
    const v = (await created.json()) as Verification
    const code = await smsCodeFor(number)
    const checked = await v1('POST', '/v1/verifications/check', { id: v.id, code })
    assert.equal(checked.status, 200)
    assert.deepEqual(await checked.json(), { id: v.id, to: number, status: 'approved', valid: true, checkAttemptsRemaining: 5 })
    const deadline = Date.now() + 10_000
    let got: Verification
    do {
      got = (await (await v1('GET', `/v1/verifications/${v.id}`)).json()) as Verification
      if (got.delivery.status === 'delivered') break
      await new Promise((r) => setTimeout(r, 50))
    } while (Date.now() < deadline)
    assert.equal(got.status, 'approved')
    assert.equal(got.delivery.status, 'delivered')
    assert.ok(got.delivery.messageId)
  })

  test('/v2 with the npm twilio client: the service FriendlyName is in the SMS, and the code it carries approves', async () => {
    const number = '+12015550153'
    numbersUsed.push(number)
    const client = twilio(TWILIO_ACCOUNT, TWILIO_TOKEN)
    client.verify.baseUrl = url
    const service = await client.verify.v2.services.create({ friendlyName: 'Acme' })
    const v = await client.verify.v2.services(service.sid).verifications.create({ to: number, channel: 'sms' })
    const body = await smsFor(number)
    const code = /^Your Acme verification code is: (\d{6})$/.exec(body)?.[1]
    assert.ok(code, `"${body}" is the English text with the service's name`)
    issuedCodes.push(code)
    const checked = await client.verify.v2.services(service.sid).verificationChecks.create({ verificationSid: v.sid, code })
    assert.deepEqual([checked.status, checked.valid], ['approved', true])

    // CustomFriendlyName: one verification says another name.
    const other = '+12015550156'
    numbersUsed.push(other)
    await client.verify.v2.services(service.sid).verifications.create({ to: other, channel: 'sms', customFriendlyName: 'Acme Payments' })
    const custom = await smsFor(other)
    const customCode = /^Your Acme Payments verification code is: (\d{6})$/.exec(custom)?.[1]
    assert.ok(customCode, custom)
    issuedCodes.push(customCode)
  })

  test('/v2 in Spanish with the do-not-share warning: Locale and DoNotShareWarningEnabled shape the text', async () => {
    const number = '+12015550154'
    numbersUsed.push(number)
    const client = twilio(TWILIO_ACCOUNT, TWILIO_TOKEN)
    client.verify.baseUrl = url
    const service = await client.verify.v2.services.create({ friendlyName: 'Acme', doNotShareWarningEnabled: true })
    await client.verify.v2.services(service.sid).verifications.create({ to: number, channel: 'sms', locale: 'es' })
    const body = await smsFor(number)
    const code = /^Código de Acme: (\d{6})\. No lo compartas\.$/.exec(body)?.[1]
    assert.ok(code, `"${body}" is the Spanish text with the warning`)
    issuedCodes.push(code)
  })

  test('SignalWire MFA: the caller\'s message before the token, then verify', async () => {
    const number = '+12015550155'
    numbersUsed.push(number)
    const auth = `Basic ${Buffer.from(`${MFA_PROJECT}:${MFA_TOKEN}`).toString('base64')}`
    const res = await fetch(`${url}/api/relay/rest/mfa/sms`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: number, message: 'Your Acme login code is:', token_length: 6 }),
    })
    assert.equal(res.status, 200)
    const { id } = (await res.json()) as { id: string }
    const body = await smsFor(number)
    const token = /^Your Acme login code is: (\d{6})$/.exec(body)?.[1]
    assert.ok(token, `"${body}"`)
    issuedCodes.push(token)
    const verified = await fetch(`${url}/api/relay/rest/mfa/${id}/verify`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ token }),
    })
    assert.deepEqual(await verified.json(), { success: true })
  })

  /** The code a call spoke, checked to be spoken at least twice, the same each time. */
  async function spokenCodeFor(number: string): Promise<string> {
    const call = await relay.waitForCallEnded(number, 15_000)
    const text = call.tts.map((item) => item.text).join(' ')
    const codes = [...text.matchAll(/[0-9A-Z](?:, [0-9A-Z])+/g)].map((m) => m[0].replace(/, /g, ''))
    assert.ok(codes.length >= 2 && codes.every((c) => c === codes[0]), `"${text}" says one code at least twice`)
    assert.ok(call.clientHungUp, 'the worker hung up')
    const code = codes[0] ?? ''
    issuedCodes.push(code)
    return code
  }

  async function deliveryOf(id: string, status: string): Promise<Verification> {
    const deadline = Date.now() + 15_000
    for (;;) {
      const got = (await (await v1('GET', `/v1/verifications/${id}`)).json()) as Verification
      if (got.delivery.status === status) return got
      if (Date.now() > deadline) throw new Error(`${id}: delivery ${got.delivery.status}, not ${status}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  test('calls: /v1 channel call, /v2 Channel=call and MFA /call speak the code twice, hang up, end delivered; the spoken code approves', async () => {
    const [forV1, forV2, forMfa] = ['+12015550157', '+12015550158', '+12015550159']
    numbersUsed.push(forV1, forV2, forMfa)

    const created = (await (await v1('POST', '/v1/verifications', { to: forV1, channel: 'call' })).json()) as Verification
    const v1Code = await spokenCodeFor(forV1)
    assert.equal((await deliveryOf(created.id, 'delivered')).channel, 'call')
    const checked = (await (await v1('POST', '/v1/verifications/check', { id: created.id, code: v1Code })).json()) as Verification
    assert.equal(checked.status, 'approved')

    const client = twilio(TWILIO_ACCOUNT, TWILIO_TOKEN)
    client.verify.baseUrl = url
    const service = await client.verify.v2.services.create({ friendlyName: 'Acme Voice' })
    const v = await client.verify.v2.services(service.sid).verifications.create({ to: forV2, channel: 'call' })
    const v2Code = await spokenCodeFor(forV2)
    assert.match(relay.calls.find((c) => c.to === forV2)?.tts[0]?.text ?? '', /Acme Voice/)
    assert.equal((await client.verify.v2.services(service.sid).verificationChecks.create({ verificationSid: v.sid, code: v2Code })).status, 'approved')

    const auth = `Basic ${Buffer.from(`${MFA_PROJECT}:${MFA_TOKEN}`).toString('base64')}`
    const requested = await fetch(`${url}/api/relay/rest/mfa/call`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: forMfa, message: 'Your Acme token is' }),
    })
    const { id, channel } = (await requested.json()) as { id: string; channel: string }
    assert.equal(channel, 'call')
    const token = await spokenCodeFor(forMfa)
    assert.match(relay.calls.find((c) => c.to === forMfa)?.tts[0]?.text ?? '', /^Your Acme token is /)
    const verified = await fetch(`${url}/api/relay/rest/mfa/${id}/verify`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ token }) })
    assert.deepEqual(await verified.json(), { success: true })
  })

  test('calls: a busy and an unanswered number end undelivered with their reason', async () => {
    const busy = (await (await v1('POST', '/v1/verifications', { to: '+12015550486', channel: 'call' })).json()) as Verification
    const unanswered = (await (await v1('POST', '/v1/verifications', { to: '+12015550408', channel: 'call' })).json()) as Verification
    assert.deepEqual((await deliveryOf(busy.id, 'undelivered')).delivery.error?.code, 'busy')
    assert.deepEqual((await deliveryOf(unanswered.id, 'undelivered')).delivery.error?.code, 'no_answer')
  })
})
