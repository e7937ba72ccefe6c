import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import type { Verification } from '../../shared/verification.js'

interface CheckBody {
  id: string
  to: string
  status: string
  valid: boolean
  checkAttemptsRemaining: number
}
interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string; status?: string; reason?: string }
}

let n = 200
const nextNumber = (): string => `+1201555${String(n++).padStart(4, '0')}`

function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0')
}

describe('/v1 verifications', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0' })
  })
  afterAll(async () => t.close())

  async function create(to = nextNumber()): Promise<Verification> {
    const res = await t.v1('POST', '/v1/verifications', { to, channel: 'sms' })
    assert.equal(res.status, 201)
    return (await res.json()) as Verification
  }

  test('create answers 201 with a pending Verification and no code anywhere in it', async () => {
    const to = nextNumber()
    const res = await t.v1('POST', '/v1/verifications', { to, channel: 'sms' })
    assert.equal(res.status, 201)
    const v = (await res.json()) as Verification
    assert.match(v.id, /^ver_[a-z2-7]{26}$/)
    assert.equal(v.to, to)
    assert.equal(v.status, 'pending')
    assert.equal(v.sendAttempts, 1)
    assert.equal(v.checkAttempts, 0)
    assert.equal(v.maxCheckAttempts, 5)
    assert.equal(v.delivery.status, 'queued')
    assert.equal(Date.parse(v.expiresAt) - Date.parse(v.createdAt), 600_000)
    const code = await t.codeOf(v.id)
    assert.ok(!JSON.stringify(v).includes(code))
  })

  test('create again while pending: 200, same id, same code, sendAttempts + 1', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    const res = await t.v1('POST', '/v1/verifications', { to: v.to })
    assert.equal(res.status, 200)
    const again = (await res.json()) as Verification
    assert.equal(again.id, v.id)
    assert.equal(again.sendAttempts, 2)
    assert.equal(again.expiresAt, v.expiresAt)
    assert.equal(await t.codeOf(v.id), code)
  })

  test('check by to and by id; right code approves once', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    const wrong = await t.v1('POST', '/v1/verifications/check', { to: v.to, code: otherCode(code) })
    assert.equal(wrong.status, 200)
    assert.deepEqual(await wrong.json(), { id: v.id, to: v.to, status: 'pending', valid: false, checkAttemptsRemaining: 4 })

    const right = await t.v1('POST', '/v1/verifications/check', { id: v.id, code })
    assert.equal(right.status, 200)
    const body = (await right.json()) as CheckBody
    assert.equal(body.valid, true)
    assert.equal(body.status, 'approved')

    const again = await t.v1('POST', '/v1/verifications/check', { id: v.id, code })
    assert.equal(again.status, 409)
    const err = (await again.json()) as ErrorEnvelope
    assert.equal(err.error.code, 'not_pending')
    assert.equal(err.error.status, 'approved')

    const got = await t.v1('GET', `/v1/verifications/${v.id}`)
    assert.equal(got.status, 200)
    assert.equal(((await got.json()) as Verification).status, 'approved')
  })

  test('the last allowed wrong try says max_attempts_reached; then 409', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    let last: CheckBody | undefined
    for (let i = 0; i < 5; i++) {
      const res = await t.v1('POST', '/v1/verifications/check', { id: v.id, code: otherCode(code) })
      assert.equal(res.status, 200)
      last = (await res.json()) as CheckBody
    }
    assert.equal(last?.status, 'max_attempts_reached')
    assert.equal(last?.checkAttemptsRemaining, 0)
    const right = await t.v1('POST', '/v1/verifications/check', { id: v.id, code })
    assert.equal(right.status, 409)
    assert.equal(((await right.json()) as ErrorEnvelope).error.status, 'max_attempts_reached')
  })

  test('expired: GET shows it, check is 409 expired', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    t.clock.advance(600_000)
    const got = (await (await t.v1('GET', `/v1/verifications/${v.id}`)).json()) as Verification
    assert.equal(got.status, 'expired')
    const res = await t.v1('POST', '/v1/verifications/check', { id: v.id, code })
    assert.equal(res.status, 409)
    assert.equal(((await res.json()) as ErrorEnvelope).error.status, 'expired')
  })

  test('cancel: 200 canceled, then check 409 and cancel 409', async () => {
    const v = await create()
    const code = await t.codeOf(v.id)
    const res = await t.v1('POST', `/v1/verifications/${v.id}/cancel`)
    assert.equal(res.status, 200)
    assert.equal(((await res.json()) as Verification).status, 'canceled')
    assert.equal((await t.v1('POST', '/v1/verifications/check', { id: v.id, code })).status, 409)
    assert.equal((await t.v1('POST', `/v1/verifications/${v.id}/cancel`)).status, 409)
  })

  test('ended verifications stay readable for 24 hours', async () => {
    const v = await create()
    await t.v1('POST', `/v1/verifications/${v.id}/cancel`)
    const ttl = await t.redis.pttl(t.keys.verification(v.id))
    assert.ok(ttl > 23 * 3600_000 && ttl <= 24 * 3600_000, `ttl ${ttl}`)
  })

  test('not found: unknown id, unknown number, malformed id', async () => {
    assert.equal((await t.v1('GET', '/v1/verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')).status, 404)
    assert.equal((await t.v1('GET', '/v1/verifications/nope')).status, 404)
    assert.equal((await t.v1('POST', '/v1/verifications/check', { to: nextNumber(), code: '123456' })).status, 404)
    assert.equal((await t.v1('POST', '/v1/verifications/nope/cancel')).status, 404)
  })

  test('invalid requests: 400 with the envelope, and no attempt spent on a malformed code', async () => {
    const v = await create()
    const cases: Array<[unknown, string]> = [
      [{}, 'invalid_request'],
      [{ to: 'not a number' }, 'invalid_phone_number'],
      [{ to: v.to, channel: 'voice' }, 'invalid_request'],
      [{ to: ['+12015550123'] }, 'invalid_request'],
      [{ to: 'x'.repeat(2000) }, 'invalid_request'],
    ]
    for (const [body, code] of cases) {
      const res = await t.v1('POST', '/v1/verifications', body)
      assert.equal(res.status, 400, JSON.stringify(body))
      const err = (await res.json()) as ErrorEnvelope
      assert.equal(err.error.code, code, JSON.stringify(body))
      assert.ok(err.error.requestId.length > 0)
    }
    for (const body of [{ id: v.id }, { id: v.id, code: '12345' }, { id: v.id, code: 'abcdef' }, { to: v.to, id: v.id, code: '123456' }]) {
      const res = await t.v1('POST', '/v1/verifications/check', body)
      assert.equal(res.status, 400, JSON.stringify(body))
    }
    assert.equal((await t.store.get(v.id))?.checkAttempts, 0)
    const badJson = await t.app.request('/v1/verifications', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-api-key-0123456789', 'Content-Type': 'application/json' },
      body: '{"to":',
    })
    assert.equal(badJson.status, 400)
  })

  test('form bodies are accepted on /v1 too', async () => {
    const res = await t.app.request('/v1/verifications', {
      method: 'POST',
      headers: { Authorization: 'Bearer test-api-key-0123456789', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `to=${encodeURIComponent(nextNumber())}`,
    })
    assert.equal(res.status, 201)
  })

  test('API keys: missing, wrong, and none configured are 401', async () => {
    const none = await t.app.request('/v1/verifications', { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } })
    assert.equal(none.status, 401)
    assert.equal(((await none.json()) as ErrorEnvelope).error.code, 'unauthorized')
    const wrong = await t.v1('POST', '/v1/verifications', { to: nextNumber() }, { Authorization: 'Bearer nope' })
    assert.equal(wrong.status, 401)
    const noKeys = await buildTestApp({ API_KEYS: '' })
    try {
      const res = await noKeys.v1('POST', '/v1/verifications', { to: nextNumber() })
      assert.equal(res.status, 401)
    } finally {
      await noKeys.close()
    }
  })

  test('several keys are valid at once (rotation)', async () => {
    const rotating = await buildTestApp({ API_KEYS: 'old-key-aaaaaaaaaaaa,new-key-bbbbbbbbbbbb' })
    try {
      for (const key of ['old-key-aaaaaaaaaaaa', 'new-key-bbbbbbbbbbbb']) {
        const res = await rotating.v1('POST', '/v1/verifications', { to: nextNumber() }, { Authorization: `Bearer ${key}` })
        assert.equal(res.status, 201, key)
      }
    } finally {
      await rotating.close()
    }
  })
})

describe('concurrent checks', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ MAX_FAILED_CHECKS_PER_DAY: '1000' })
  })
  afterAll(async () => t.close())

  test('50 concurrent checks of the right code approve exactly once', async () => {
    const v = (await (await t.v1('POST', '/v1/verifications', { to: '+12015550301' })).json()) as Verification
    const code = await t.codeOf(v.id)
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.v1('POST', '/v1/verifications/check', { id: v.id, code })))
    const approved = answers.filter((r) => r.status === 200).length
    const conflicts = answers.filter((r) => r.status === 409).length
    assert.equal(approved, 1)
    assert.equal(conflicts, 49)
  })

  test('50 concurrent wrong checks never exceed the attempt limit', async () => {
    const v = (await (await t.v1('POST', '/v1/verifications', { to: '+12015550302' })).json()) as Verification
    const wrong = otherCode(await t.codeOf(v.id))
    const answers = await Promise.all(Array.from({ length: 50 }, () => t.v1('POST', '/v1/verifications/check', { id: v.id, code: wrong })))
    assert.equal(answers.filter((r) => r.status === 200).length, 5, 'exactly five wrong tries are counted')
    assert.equal(answers.filter((r) => r.status === 409).length, 45)
    const after = await t.store.get(v.id)
    assert.equal(after?.checkAttempts, 5)
    assert.equal(after?.status, 'max_attempts_reached')
  })
})
