import assert from 'node:assert/strict'
import { Webhook } from 'standardwebhooks'
import { describe, test } from 'vitest'
import { ConfigError, loadConfig } from '../../shared/config/index.js'
import { isPrivateAddress, webhookSecretBytes } from '../../shared/config/schema.js'
import { signWebhook, webhookBackoff } from '../../worker/webhooks.js'
import { newWebhookSecret } from '../helpers/webhook-receiver.js'

describe('webhook signing (Standard Webhooks)', () => {
  test('a signature made here verifies with the standardwebhooks package, and fails for another body, id or key', () => {
    const secret = newWebhookSecret()
    const key = webhookSecretBytes(secret)
    assert.ok(key !== undefined)
    const now = Math.floor(Date.now() / 1000)
    const body = JSON.stringify({ type: 'verification.approved', timestamp: new Date().toISOString(), data: { id: 'ver_x' } })
    const headers = { 'webhook-id': 'evt_ver_x.approved', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(key, 'evt_ver_x.approved', now, body) }
    assert.doesNotThrow(() => new Webhook(secret).verify(body, headers))
    assert.throws(() => new Webhook(secret).verify(`${body} `, headers))
    assert.throws(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_other' }))
    assert.throws(() => new Webhook(newWebhookSecret()).verify(body, headers))
  })

  test('the retry schedule is followed delay by delay, the last one repeating', () => {
    const backoff = webhookBackoff([5, 300, 1800])
    assert.deepEqual([1, 2, 3, 4].map(backoff), [5_000, 300_000, 1_800_000, 1_800_000])
  })
})

describe('webhook settings', () => {
  const secret = newWebhookSecret()
  test('https receivers with a secret load; defaults as API.md says', () => {
    const config = loadConfig({ WEBHOOK_URLS: 'https://hooks.example.com/sms', WEBHOOK_SECRET: secret })
    assert.deepEqual([...config.webhooks.urls], ['https://hooks.example.com/sms'])
    assert.deepEqual([...config.webhooks.retrySchedule], [5, 300, 1800, 7200, 18000, 36000, 36000])
    assert.equal(config.webhooks.timeoutMs, 5000)
    assert.equal(config.webhooks.allowPrivate, false)
  })

  test('refused: no secret, a bad secret, http://, a private or loopback receiver (unless WEBHOOK_ALLOW_PRIVATE)', () => {
    const refused = (env: Record<string, string>): string => {
      try {
        loadConfig(env)
      } catch (error) {
        assert.ok(error instanceof ConfigError)
        return error.message
      }
      assert.fail(`accepted ${JSON.stringify(env)}`)
    }
    assert.match(refused({ WEBHOOK_URLS: 'https://hooks.example.com' }), /WEBHOOK_SECRET: required/)
    assert.match(refused({ WEBHOOK_URLS: 'https://hooks.example.com', WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }), /WEBHOOK_SECRET/)
    assert.match(refused({ WEBHOOK_URLS: 'http://hooks.example.com', WEBHOOK_SECRET: secret }), /http:\/\//)
    for (const host of ['127.0.0.1', '10.1.2.3', '192.168.0.10', '[::1]', 'localhost', '169.254.169.254']) {
      assert.match(refused({ WEBHOOK_URLS: `https://${host}/hook`, WEBHOOK_SECRET: secret }), /private address/, host)
    }
    assert.doesNotThrow(() => loadConfig({ WEBHOOK_URLS: 'http://127.0.0.1:9000/hook', WEBHOOK_SECRET: secret, WEBHOOK_ALLOW_PRIVATE: 'true' }))
  })

  test('private addresses, as resolved names are checked against', () => {
    for (const a of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.1.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1']) {
      assert.equal(isPrivateAddress(a), true, a)
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:db8::1', '1.1.1.1']) assert.equal(isPrivateAddress(a), false, a)
  })
})
