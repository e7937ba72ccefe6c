import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { createIdempotencyStore } from '../../api/idempotency.js'
import { bootWarnings } from '../../shared/boot.js'
import { loadConfig } from '../../shared/config/index.js'
import { createLogger } from '../../shared/logger.js'
import { maskPhone, redactProviderText } from '../../shared/phone.js'
import { numberScope } from '../../shared/store/number-scope.js'
import type { Verification } from '../../shared/verification.js'
import { buildTestApp, TEST_SECRET, type TestApp } from '../helpers/app.js'
import { SendFailure } from '../../worker/senders/sender.js'

/* The smaller promises of issue "Safe as shipped", each with a test that fails when it is broken. */

describe('idempotency keys left behind by a crash free themselves', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  afterAll(async () => t.close())

  test('a claimed key that is never completed answers "in progress" only until the pending time passes', async () => {
    const store = createIdempotencyStore({ redis: t.redis, keys: t.keys, secrets: t.secrets, pendingMs: 300 })
    const first = await store.claim('v1:create', 'crashed-request', '+12015550680')
    assert.equal(first.kind, 'new')
    // The process "crashed": the claim is neither completed nor abandoned.
    assert.equal((await store.claim('v1:create', 'crashed-request', '+12015550680')).kind, 'in_progress')
    await new Promise((r) => setTimeout(r, 450))
    const retried = await store.claim('v1:create', 'crashed-request', '+12015550680')
    assert.equal(retried.kind, 'new', 'the retry gets its turn')
    if (retried.kind === 'new') await retried.complete(201, `ver_${'a'.repeat(30)}`)
    // Completed, it is kept for the day.
    const ttl = await t.redis.pttl(t.keys.idempotency(t.secrets.digest('idempotency', 'v1:create\0crashed-request')))
    assert.ok(ttl > 23 * 3_600_000, `kept ${ttl} ms`)
  })
})

describe('a resend keeps the number state alive as long as the verification', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0', SEND_WINDOW_SECONDS: '60' })
  })
  afterAll(async () => t.close())

  test('after a resend, the number hash expires no sooner than its pending verification', async () => {
    const to = '+12015550681'
    const v = (await (await t.v1('POST', '/v1/verifications', { to })).json()) as Verification
    assert.equal((await t.v1('POST', '/v1/verifications', { to })).status, 200)
    const number = numberScope(t.secrets, t.serviceStore.builtIn.default, to)
    const numberTtl = await t.redis.pttl(t.keys.number(number.tag, number.scoped))
    const verificationTtl = await t.redis.pttl(t.keys.verification(v.id))
    // Otherwise a check by number finds nothing (404) while the verification is still there (409 due).
    assert.ok(numberTtl >= verificationTtl - 1_000, `number ${numberTtl} ms, verification ${verificationTtl} ms`)
  })
})

describe('logs and stored provider texts', () => {
  test('error logs keep err.code (ECONNREFUSED); a code under a code-ish field is still redacted', () => {
    const lines: string[] = []
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) })
    const logger = createLogger(loadConfig({ LOG_LEVEL: 'info' }), 'api', sink)
    logger.warn({ err: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }) }, 'redis connection error')
    logger.info({ code: '482913', fields: { auth_code: '482913' } }, 'a mistake the redaction catches')
    const text = lines.join('')
    assert.match(text, /"code":"ECONNREFUSED"/)
    assert.doesNotMatch(text, /482913/)
  })

  test('a provider text that echoes the number is stored and logged masked', () => {
    const said = 'Unreachable destination +1 (201) 555-0123 for message to 12015550123'
    const clean = redactProviderText(said)
    assert.doesNotMatch(clean, /555-0123|2015550123/)
    assert.ok(clean.includes(maskPhone('+12015550123')))
    assert.equal(new SendFailure('permanent', 'provider_400', said).message, clean)
    assert.equal(redactProviderText('x'.repeat(500)).length, 200)
    assert.equal(redactProviderText('error 500 at step 12'), 'error 500 at step 12', 'short numbers are left alone')
  })
})

describe('warnings at boot', () => {
  const production = { NODE_ENV: 'production', SECRET_KEY: TEST_SECRET, SIGNALWIRE_PROJECT: 'p', SIGNALWIRE_TOKEN: 't', SIGNALWIRE_NUMBER: '+12015550100' }

  test('public routes in production with no country list and no global cap', () => {
    assert.ok(bootWarnings(loadConfig(production), 'api').some((w) => w.includes('ALLOWED_COUNTRIES')))
    assert.ok(!bootWarnings(loadConfig({ ...production, ALLOWED_COUNTRIES: 'US' }), 'api').some((w) => w.includes('ALLOWED_COUNTRIES')))
    assert.ok(!bootWarnings(loadConfig({ ...production, GLOBAL_SENDS_PER_HOUR: '500' }), 'api').some((w) => w.includes('ALLOWED_COUNTRIES')))
    assert.ok(!bootWarnings(loadConfig({ ...production, PUBLIC_ROUTES: 'false' }), 'api').some((w) => w.includes('ALLOWED_COUNTRIES')))
  })

  test('a ws:// relay on another machine, outside production (where it is refused)', () => {
    const config = loadConfig({ ...production, NODE_ENV: 'development', SIGNALWIRE_HOST: 'ws://relay.example.com' })
    assert.ok(bootWarnings(config, 'worker').some((w) => w.includes('in clear')))
    assert.ok(!bootWarnings(loadConfig({ ...production, NODE_ENV: 'development', SIGNALWIRE_HOST: 'ws://127.0.0.1:9500' }), 'worker').some((w) => w.includes('in clear')))
  })

  test('HSTS in production only', async () => {
    const dev = await buildTestApp()
    const prod = await buildTestApp({ ...production, API_KEYS: 'k'.repeat(24) })
    try {
      assert.equal((await dev.app.request('/healthz')).headers.get('strict-transport-security'), null)
      assert.equal((await prod.app.request('/healthz')).headers.get('strict-transport-security'), 'max-age=31536000')
    } finally {
      await dev.close()
      await prod.close()
    }
  })
})
