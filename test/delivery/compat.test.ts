import assert from 'node:assert/strict'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import { fromTwilioSid } from '../../shared/ids.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { duplicates } from './harness/assertions.js'
import { dropPrefix, numbers, queueProbe, serviceEnv, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (g) /v2 and SignalWire MFA verifications through the real processes: accepted while no worker runs, every one is
 * texted once a worker starts, with the service's name (or the caller's message) and the code that then approves it;
 * the receipts of a /v2 verification reach its record like those of /v1's.
 */
const ACCOUNT = `AC${'9d'.repeat(16)}`
const AUTH_TOKEN = 'delivery-twilio-token-0123456789'
const MFA_PROJECT = 'delivery-project'
const MFA_TOKEN = 'delivery-mfa-token-0123456789abc'
const V2_COUNT = 40
const MFA_COUNT = 20

describe('delivery (g): /v2 and MFA verifications through the worker', () => {
  const prefix = randomPrefix('compat')
  const processes: ServiceProcess[] = []
  let relay: FakeRelay
  let env: Record<string, string>
  let url: string
  let api: ApiClient

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    env = serviceEnv({
      redisUrl: TEST_REDIS_URL,
      prefix,
      relayUrl: relay.url,
      extra: { TWILIO_COMPAT_CREDENTIALS: `${ACCOUNT}:${AUTH_TOKEN}`, SIGNALWIRE_MFA_CREDENTIALS: `${MFA_PROJECT}:${MFA_TOKEN}` },
    })
    const started = await startApiProcess(env, 'api', processes)
    url = started.url
    api = apiClient(url)
  })

  afterAll(() => tearDown(processes, () => relay, () => dropPrefix(prefix)))

  test(`${V2_COUNT} /v2 starts (half of them twice) and ${MFA_COUNT} MFA requests, queued with no worker, all texted and approved`, async () => {
    const client = twilio(ACCOUNT, AUTH_TOKEN)
    client.verify.baseUrl = url
    const service = await client.verify.v2.services.create({ friendlyName: 'Acme Delivery' })
    const verify = client.verify.v2.services(service.sid)

    const v2Numbers = numbers(7000, V2_COUNT)
    const started = await Promise.all(v2Numbers.map((to) => verify.verifications.create({ to, channel: 'sms' })))
    // A resend while pending: the same verification, a second SMS with the same code.
    const resent = await Promise.all(v2Numbers.slice(0, V2_COUNT / 2).map((to) => verify.verifications.create({ to, channel: 'sms' })))
    assert.deepEqual(
      resent.map((v) => v.sid),
      started.slice(0, V2_COUNT / 2).map((v) => v.sid),
    )
    assert.ok(resent.every((v) => v.sendCodeAttempts.length === 2))

    const mfaNumbers = numbers(7100, MFA_COUNT)
    const auth = `Basic ${Buffer.from(`${MFA_PROJECT}:${MFA_TOKEN}`).toString('base64')}`
    const mfaIds = await Promise.all(
      mfaNumbers.map(async (to) => {
        const res = await fetch(`${url}/api/relay/rest/mfa/sms`, {
          method: 'POST',
          headers: { Authorization: auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ to, message: 'Acme MFA token:', token_length: 8, allow_alphas: true }),
        })
        assert.equal(res.status, 200)
        return ((await res.json()) as { id: string }).id
      }),
    )
    assert.equal(relay.messages.length, 0, 'nothing is sent before a worker runs')

    await startWorkerProcess(env, 'worker', processes)
    const everyone = [...v2Numbers, ...mfaNumbers]
    await waitFor('an SMS to every number', () => (everyone.every((to) => relay.messages.some((m) => m.to === to)) ? true : undefined), 60_000)
    const probe = queueProbe(TEST_REDIS_URL, prefix)
    try {
      await waitFor('the queue to drain', async () => ((await probe.unfinished()) === 0 ? true : undefined), 30_000, 250)
    } finally {
      await probe.close()
    }

    // Every /v2 SMS names the service; a resend queued behind a send not yet made replaces it (one SMS), one made
    // after it texts the same code again. Either way the code approves the verification.
    for (const [i, to] of v2Numbers.entries()) {
      const texts = relay.messages.filter((m) => m.to === to).map((m) => m.body)
      assert.ok(texts.length >= 1 && texts.length <= (i < V2_COUNT / 2 ? 2 : 1), `${to}: ${texts.length} SMS`)
      const codes = texts.map((body) => /^Your Acme Delivery verification code is: (\d{6})$/.exec(body)?.[1])
      assert.ok(codes.every((c) => c !== undefined && c === codes[0]), `${to}: ${texts.join(' | ')}`)
      const checked = await verify.verificationChecks.create({ to, code: codes[0] ?? '' })
      assert.equal(checked.status, 'approved', to)
    }
    // Every MFA SMS is the caller's text and an 8-character token that verifies once.
    for (const [i, to] of mfaNumbers.entries()) {
      const body = relay.messages.find((m) => m.to === to)?.body ?? ''
      const token = /^Acme MFA token: ([A-Z0-9]{8})$/.exec(body)?.[1]
      assert.ok(token, body)
      const res = await fetch(`${url}/api/relay/rest/mfa/${mfaIds[i] ?? ''}/verify`, {
        method: 'POST',
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ token }),
      })
      assert.deepEqual(await res.json(), { success: true })
    }
    assert.equal(duplicates(relay.messages.filter((m) => !v2Numbers.slice(0, V2_COUNT / 2).includes(m.to))), 0)

    // The receipts of /v2 sends reach the record (read through /v1: the same id, written ver_…).
    const ids = started.map((v) => fromTwilioSid(v.sid) ?? '')
    const final = await waitFor(
      'delivered receipts of the /v2 sends',
      async () => {
        const all = await api.getAll(ids)
        return all.every((v) => v.delivery.status === 'delivered') ? all : undefined
      },
      20_000,
      200,
    )
    assert.ok(final.every((v) => v.service === service.sid && v.status === 'approved'))
  })
})
