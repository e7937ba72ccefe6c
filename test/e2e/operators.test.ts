import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { TEST_API_KEY, TEST_PROJECT, TEST_TOKEN } from '../helpers/constants.js'
import { numberForms, plaintextLeaks } from '../helpers/leaks.js'
import { relayServiceEnv, startApi, startService, type ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, randomPrefix, TEST_REDIS_URL, testRedis } from '../helpers/redis.js'
import type { Verification } from '../../shared/verification.js'

const ADMIN_PASSWORD = 'admin-password-for-tests'
const NUMBER = '+12015550160'

/** The value of one sample line in Prometheus text, e.g. `sms2fa_jobs_total{outcome="sent"}`. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

describe('operators: queue dashboard, metrics, health on the real processes', () => {
  const prefix = randomPrefix('ops')
  let relay: FakeRelay
  let api: ServiceProcess
  let worker: ServiceProcess
  let url: string
  let adminUrl: string
  let workerUrl: string
  let code = ''
  const auth = { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` }

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const env = {
      ...relayServiceEnv(prefix, relay.url),
      REDIS_URL: TEST_REDIS_URL,
      ADMIN_PASSWORD,
      ADMIN_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    }
    const started = await startApi(env)
    api = started.process
    url = started.url
    const adminLine = await api.waitForLog((l) => l.msg === 'admin listener: /admin/ (overview), /admin/fraud, /admin/queues and /metrics')
    adminUrl = `http://127.0.0.1:${String(adminLine.port)}`
    worker = startService('worker', 'start:worker', env)
    const workerLine = await worker.waitForLog((l) => l.msg === 'worker listener: /healthz and /metrics')
    workerUrl = `http://127.0.0.1:${String(workerLine.port)}`
    await worker.waitForLog((l) => l.msg === 'worker started')

    // A small flow: one code requested, delivered (receipts included), checked.
    const res = await fetch(`${url}/v1/verifications`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: NUMBER }),
    })
    const v = (await res.json()) as Verification
    const sms = await relay.waitForMessageTo(NUMBER, 15_000)
    code = /(\d{6})/.exec(sms.body)?.[1] ?? ''
    const checked = await fetch(`${url}/v1/verifications/check`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: v.id, code }),
    })
    assert.equal(checked.status, 200)
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const got = (await (await fetch(`${url}/v1/verifications/${v.id}`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } })).json()) as Verification
      if (got.delivery.status === 'delivered') break
      await new Promise((r) => setTimeout(r, 50))
    }
  })

  afterAll(async () => {
    await Promise.all([api.stop(), worker.stop()])
    const redis = testRedis()
    await deletePrefix(redis, prefix)
    redis.disconnect()
    await relay.close()
  })

  test('the dashboard answers 401 without credentials and shows the queue with its job', async () => {
    assert.equal((await fetch(`${adminUrl}/admin/queues`)).status, 401)
    assert.equal((await fetch(`${adminUrl}/admin/queues`, { headers: { Authorization: 'Basic d3Jvbmc6d3Jvbmc=' } })).status, 401)
    const page = await fetch(`${adminUrl}/admin/queues`, { headers: auth })
    assert.equal(page.status, 200)
    assert.match(await page.text(), /<html/i)
    // No other page may frame the dashboard (it can change jobs), and the refusal carries the same guard.
    for (const res of [page, await fetch(`${adminUrl}/admin/queues`)]) {
      assert.equal(res.headers.get('x-frame-options'), 'DENY')
      assert.equal(res.headers.get('content-security-policy'), "frame-ancestors 'none'")
    }
    const api = await fetch(`${adminUrl}/admin/queues/api/queues?activeQueue=sms&status=completed&page=1&jobsPerPage=10`, { headers: auth })
    assert.equal(api.status, 200)
    const body = await api.text()
    assert.match(body, /"name":"sms"/)
    assert.match(body, /ver_[a-z2-7]{26}-1/, 'the completed job is listed')
    assert.deepEqual(plaintextLeaks(body, [code, ...numberForms(NUMBER)]), [], 'no code or number in what the dashboard shows')
    assert.match(body, /"readOnlyMode":true/)
  })

  test('the API /metrics has requests, verifications, checks and queue depth', async () => {
    assert.equal((await fetch(`${adminUrl}/metrics`)).status, 401)
    const text = await (await fetch(`${adminUrl}/metrics`, { headers: auth })).text()
    assert.ok(sample(text, 'sms2fa_http_requests_total', { route: '/v1/verifications', status: '201' }) >= 1)
    assert.ok(sample(text, 'sms2fa_http_request_duration_seconds_count') >= 2)
    assert.ok(sample(text, 'sms2fa_verifications_total', { event: 'started', channel: 'sms', country: 'US' }) >= 1)
    assert.ok(sample(text, 'sms2fa_verifications_total', { event: 'approved' }) >= 1)
    assert.ok(sample(text, 'sms2fa_checks_total', { result: 'approved' }) >= 1)
    assert.match(text, /bullmq_job_count\{[^}]*state="completed"[^}]*\} [1-9]/)
  })

  test('the worker /metrics has jobs, sends, receipts and the accept-time histogram; /healthz is ok', async () => {
    const text = await (await fetch(`${workerUrl}/metrics`, { headers: auth })).text()
    assert.ok(sample(text, 'sms2fa_jobs_total', { outcome: 'sent' }) >= 1)
    assert.ok(sample(text, 'sms2fa_sms_sends_total', { outcome: 'accepted' }) >= 1)
    assert.ok(sample(text, 'sms2fa_delivery_receipts_total', { status: 'delivered' }) >= 1)
    assert.ok(sample(text, 'sms2fa_sms_accept_seconds_count') >= 1)
    assert.ok(sample(text, 'sms2fa_sms_delivery_seconds_count') >= 1)
    assert.equal(sample(text, 'sms2fa_provider_connected'), 1)
    const health = await fetch(`${workerUrl}/healthz`)
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { status: 'ok', running: true, provider: 'connected', redis: 'ok' })
  })
})
