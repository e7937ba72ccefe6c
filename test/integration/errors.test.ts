import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { createApp } from '../../api/app.js'
import type { VerificationService } from '../../api/services/verifications.js'
import { createServices } from '../../api/services/create-services.js'
import { createEventsQueue } from '../../shared/events.js'
import { createSendQueue } from '../../shared/jobs.js'
import { createKeys } from '../../shared/keys.js'
import { createApiMetrics } from '../../shared/metrics.js'
import { createRedis } from '../../shared/redis.js'
import { createSecrets } from '../../shared/secrets.js'
import { createServiceStore } from '../../shared/service-store.js'
import { createRateLimitStore } from '../../api/v2/rate-limit-store.js'
import type { Verification } from '../../shared/verification.js'
import { buildTestApp, TEST_API_KEY, testConfig, type TestApp } from '../helpers/app.js'

/*
 * 503 means an outage (Redis unreachable or timing out); a verification no key opens is not found; anything else
 * is a bug: 500, with its stack in the log. And SECRET_KEY can be rotated without flushing Redis.
 */

const KEY_A = 'rotation-key-a-0123456789abcdef-xyz'
const KEY_B = 'rotation-key-b-0123456789abcdef-xyz'

/** An app whose verification service fails as `fail` says, with its log lines captured. */
function appFailingWith(fail: () => Promise<never>): { request: (path: string) => Promise<Response>; logs: Array<Record<string, unknown>>; close: () => void } {
  const logs: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter((l) => l.length > 0)) logs.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  const config = testConfig()
  const verifications: VerificationService = { start: fail, check: fail, get: fail, cancel: fail, approve: fail, latestFor: fail }
  const redis = createRedis(config, 'fast')
  const app = createApp({
    config,
    logger: pino({ level: 'info' }, sink),
    redis: { ping: () => Promise.resolve('PONG' as const) },
    verifications,
    serviceStore: createServiceStore({ redis, keys: createKeys('errors-test'), config, now: Date.now }),
    rateLimits: createRateLimitStore({ redis, keys: createKeys('errors-test'), now: Date.now }),
    metrics: createApiMetrics(),
  })
  return { request: (path) => Promise.resolve(app.request(path, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } })), logs, close: () => redis.disconnect() }
}

describe('what the status says: 503 is an outage, 500 a bug', () => {
  const id = `ver_${'a'.repeat(30)}`

  test('a TypeError is a 500 with a generic message, logged with its stack; no Retry-After', async () => {
    const { request, logs, close } = appFailingWith(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'x')")))
    const res = await request(`/v1/verifications/${id}`)
    close()
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('retry-after'), null)
    const body = (await res.json()) as { error: { code: string; message: string } }
    assert.equal(body.error.code, 'internal_error')
    assert.doesNotMatch(body.error.message, /undefined/)
    const logged = logs.find((l) => l.msg === 'unhandled error')
    assert.ok(logged, 'the error is logged')
    assert.match(String((logged.err as { stack?: string }).stack), /TypeError: Cannot read properties/)
    assert.equal(logged.level, 50, 'at error level')
  })

  test('a script reply the code did not expect is a 500 too', async () => {
    const { request, close } = appFailingWith(() => Promise.reject(new Error('check script answered huh')))
    assert.equal((await request(`/v1/verifications/${id}`)).status, 500)
    close()
  })

  test('an unreachable Redis is a 503 with Retry-After, logged at warn', async () => {
    const config = testConfig({ REDIS_URL: 'redis://127.0.0.1:1', KEY_PREFIX: 'errors-test' })
    const redis = createRedis(config, 'fast')
    redis.on('error', () => undefined)
    const keys = createKeys('errors-test')
    const queue = createSendQueue(redis, keys, config)
    queue.on('error', () => undefined)
    const logs: Array<Record<string, unknown>> = []
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => (logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }))
    const metrics = createApiMetrics()
    const services = createServices({ config, redis, keys, secrets: createSecrets(config.secret.key), queue, callQueue: queue, eventsQueue: createEventsQueue(redis, keys), logger, metrics, now: Date.now })
    const app = createApp({ config, logger, redis, metrics, ...services })
    try {
      const res = await app.request(`/v1/verifications/${id}`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } })
      assert.equal(res.status, 503)
      assert.equal(res.headers.get('retry-after'), '1')
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unavailable')
      assert.ok(logs.some((l) => l.msg === 'dependency unavailable' && l.level === 40), 'logged at warn, not error')
    } finally {
      await queue.close().catch(() => undefined)
      redis.disconnect()
    }
  })
})

describe('SECRET_KEY rotation (SECRET_KEY_PREVIOUS)', () => {
  let before: TestApp
  let created: Verification
  let code = ''
  const to = '+12015550670'
  beforeAll(async () => {
    before = await buildTestApp({ SECRET_KEY: KEY_A, RESEND_COOLDOWN_SECONDS: '0' })
    const res = await before.v1('POST', '/v1/verifications', { to })
    assert.equal(res.status, 201)
    created = (await res.json()) as Verification
    code = await before.codeOf(created.id)
  })
  afterAll(async () => before.close())

  test('a new key alone: a verification made under the old one is 404, never 503', async () => {
    const after = await buildTestApp({ SECRET_KEY: KEY_B, KEY_PREFIX: before.prefix })
    try {
      assert.equal((await after.v1('GET', `/v1/verifications/${created.id}`)).status, 404)
      assert.equal((await after.v1('POST', '/v1/verifications/check', { id: created.id, code })).status, 404)
      assert.equal((await after.v1('POST', `/v1/verifications/${created.id}/cancel`)).status, 404)
    } finally {
      after.redis.disconnect()
    }
  })

  test('with SECRET_KEY_PREVIOUS, it still reads and checks, by id and by number; new data uses the new key', async () => {
    const rotating = await buildTestApp({ SECRET_KEY: KEY_B, SECRET_KEY_PREVIOUS: KEY_A, KEY_PREFIX: before.prefix, RESEND_COOLDOWN_SECONDS: '0' })
    try {
      const got = await rotating.v1('GET', `/v1/verifications/${created.id}`)
      assert.equal(got.status, 200)
      assert.equal(((await got.json()) as Verification).to, to)
      const wrong = await rotating.v1('POST', '/v1/verifications/check', { to, code: String((Number(code) + 1) % 1_000_000).padStart(6, '0') })
      assert.equal(wrong.status, 200, 'found by number through the previous key’s digest')
      assert.equal(((await wrong.json()) as { valid: boolean }).valid, false)
      const right = await rotating.v1('POST', '/v1/verifications/check', { id: created.id, code })
      assert.equal(right.status, 200)
      assert.equal(((await right.json()) as { valid: boolean }).valid, true, 'the old key’s code hash still checks')
      // What is new uses the new key: a fresh verification opens without the previous one.
      const fresh = (await (await rotating.v1('POST', '/v1/verifications', { to: '+12015550671' })).json()) as Verification
      const onlyNew = await buildTestApp({ SECRET_KEY: KEY_B, KEY_PREFIX: before.prefix })
      try {
        assert.equal((await onlyNew.v1('GET', `/v1/verifications/${fresh.id}`)).status, 200)
      } finally {
        onlyNew.redis.disconnect()
      }
    } finally {
      rotating.redis.disconnect()
    }
  })
})
