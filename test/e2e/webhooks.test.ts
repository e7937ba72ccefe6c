import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { TEST_API_KEY, TEST_PROJECT, TEST_TOKEN } from '../helpers/constants.js'
import { relayServiceEnv, startApi, startService, type ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, randomPrefix, TEST_REDIS_URL, testRedis } from '../helpers/redis.js'
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver.js'
import type { Verification } from '../../shared/verification.js'

/*
 * Signed webhooks through the real processes to a real receiver on loopback, which checks every request with the
 * `standardwebhooks` package. Four receivers at once: one that takes everything, one that fails twice first, one
 * that hangs on the first attempt, one that answers 410. Short retry schedule and timeout.
 */
const until = async <T>(what: string, read: () => T | undefined, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('signed webhooks on the real processes', () => {
  const prefix = randomPrefix('hooks')
  let relay: FakeRelay
  let receiver: WebhookReceiver
  let api: ServiceProcess
  let worker: ServiceProcess
  let url: string

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    receiver = await startWebhookReceiver()
    const env = {
      ...relayServiceEnv(prefix, relay.url),
      REDIS_URL: TEST_REDIS_URL,
      WEBHOOK_URLS: ['/ok', '/flaky', '/hang', '/gone'].map((p) => `${receiver.url}${p}`).join(','),
      WEBHOOK_SECRET: receiver.secret,
      WEBHOOK_RETRY_SCHEDULE: '1,1,1,1',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      CODE_TTL_SECONDS: '10',
      LOG_LEVEL: 'info',
    }
    const started = await startApi(env)
    api = started.process
    url = started.url
    worker = startService('worker', 'start:worker', env)
    await worker.waitForLog((l) => l.msg === 'worker started')
  })
  afterAll(async () => {
    await Promise.all([api.stop(), worker.stop()])
    const redis = testRedis()
    await deletePrefix(redis, prefix)
    redis.disconnect()
    await receiver.close()
    await relay.close()
    // No code, no secret and no full number in any line either process wrote.
    const lines = [...api.lines, ...worker.lines].join('\n')
    assert.ok(!lines.includes(receiver.secret.slice(6, 30)), 'the webhook secret is in no log line')
    assert.ok(!lines.includes('2015550191') && !lines.includes('2015550192'), 'no full number in the logs')
  })

  const v1 = (path: string, body: unknown): Promise<Response> =>
    fetch(`${url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  const of = (path: string, id: string): ReceivedWebhook[] => receiver.at(path).filter((r) => r.data.id === id)

  test('created → delivery.sent → delivery.delivered → approved, each signed and verified; no code in any body', async () => {
    const to = '+12015550191'
    const v = (await (await v1('/v1/verifications', { to })).json()) as Verification
    const sms = await relay.waitForMessageTo(to, 15_000)
    const code = /(\d{6})/.exec(sms.body)?.[1] ?? ''
    await until('delivery.delivered', () => (of('/ok', v.id).some((r) => r.type === 'delivery.delivered') ? true : undefined))
    const checked = (await (await v1('/v1/verifications/check', { id: v.id, code })).json()) as Verification
    assert.equal(checked.status, 'approved')
    const events = await until('the approved event', () => {
      const got = of('/ok', v.id)
      return got.some((r) => r.type === 'verification.approved') ? got : undefined
    })
    assert.deepEqual(
      events.map((e) => e.type).sort(),
      ['delivery.delivered', 'delivery.sent', 'verification.approved', 'verification.created'],
    )
    assert.ok(events.every((e) => e.verified), 'every request verifies with standardwebhooks')
    assert.equal(new Set(events.map((e) => e.id)).size, 4, 'one webhook-id per event')
    const byType = new Map(events.map((e) => [e.type, e]))
    assert.equal(byType.get('verification.created')?.data.status, 'pending')
    assert.equal(byType.get('delivery.delivered')?.data.to, to)
    assert.equal((byType.get('delivery.delivered')?.data.delivery as { status: string }).status, 'delivered')
    assert.equal(byType.get('verification.approved')?.data.status, 'approved')
    assert.ok(events.every((e) => !e.body.includes(code)), 'no code in a webhook')
    // The body is the Verification as GET /v1/verifications/{id} shows it.
    const got = (await (await fetch(`${url}/v1/verifications/${v.id}`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } })).json()) as Verification
    assert.deepEqual(Object.keys(byType.get('verification.approved')?.data ?? {}).sort(), Object.keys(got).sort())
  })

  test('a receiver that answers 500 twice gets the event three times, one webhook-id; one that hangs is cut off and retried; 410 stops', async () => {
    const to = '+12015550192'
    const v = (await (await v1('/v1/verifications', { to })).json()) as Verification
    const flaky = await until('three attempts at /flaky', () => {
      const got = of('/flaky', v.id).filter((r) => r.type === 'verification.created')
      return got.length >= 3 ? got : undefined
    })
    assert.equal(new Set(flaky.map((r) => r.id)).size, 1, 'the same webhook-id on every attempt')
    assert.ok(flaky.every((r) => r.verified))
    const hung = await until('two attempts at /hang', () => {
      const got = of('/hang', v.id).filter((r) => r.type === 'verification.created')
      return got.length >= 2 ? got : undefined
    })
    assert.equal(hung[0]?.answered, false, 'the first attempt was never answered')
    assert.equal(hung[0]?.id, hung[1]?.id)
    // 410: one attempt, then no more (the schedule would have allowed five).
    await new Promise((r) => setTimeout(r, 3_000))
    assert.equal(of('/gone', v.id).filter((r) => r.type === 'verification.created').length, 1)
    assert.equal(of('/flaky', v.id).filter((r) => r.type === 'verification.created').length, 3, 'delivered: no fourth attempt')
  })

  test('an unused verification\'s verification.expired arrives within 10 s of its expiry', async () => {
    const v = (await (await v1('/v1/verifications', { to: '+12015550193' })).json()) as Verification
    const expired = await until('verification.expired', () => of('/ok', v.id).find((r) => r.type === 'verification.expired'), 25_000)
    assert.ok(expired.verified)
    assert.equal(expired.data.status, 'expired')
    const late = expired.at - Date.parse(v.expiresAt)
    assert.ok(late >= 0 && late < 10_000, `${late} ms after expiresAt`)
  })
})
