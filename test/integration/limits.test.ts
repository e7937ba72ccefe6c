import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { buildTestApp, postForm, type TestApp } from '../helpers/app.js'
import type { Verification } from '../../shared/verification.js'

interface ErrorEnvelope {
  error: { code: string; reason?: string; status?: string }
}

/** Runs `body` with a fresh app built from `env`, always closing it. */
async function withApp(env: Record<string, string>, body: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await buildTestApp(env)
  try {
    await body(t)
  } finally {
    await t.close()
  }
}

async function create(t: TestApp, to: string, headers: Record<string, string> = {}): Promise<Response> {
  return t.v1('POST', '/v1/verifications', { to }, headers)
}

async function expectLimited(res: Response, reason: string): Promise<number> {
  assert.equal(res.status, 429)
  const body = (await res.json()) as ErrorEnvelope
  assert.equal(body.error.code, 'rate_limited')
  assert.equal(body.error.reason, reason)
  const retryAfter = Number(res.headers.get('retry-after'))
  assert.ok(retryAfter >= 1, 'Retry-After is set')
  return retryAfter
}

function wrongCode(code: string): string {
  return String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0')
}

describe('guessing', () => {
  test('brute force: every 4-digit code tried against one verification; only 5 count, the right one is refused after', async () => {
    await withApp({ CODE_LENGTH: '4', MAX_FAILED_CHECKS_PER_DAY: '0' }, async (t) => {
      const v = (await (await create(t, '+12015550501')).json()) as Verification
      const code = await t.codeOf(v.id)
      const statuses = new Map<number, number>()
      let approved = false
      const all = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0')).filter((c) => c !== code)
      // The attacker tries every wrong code first (50 at a time), then the right one.
      for (let i = 0; i < all.length; i += 50) {
        const batch = await Promise.all(all.slice(i, i + 50).map((c) => t.v1('POST', '/v1/verifications/check', { id: v.id, code: c })))
        for (const r of batch) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      }
      const right = await t.v1('POST', '/v1/verifications/check', { id: v.id, code })
      approved = right.status === 200
      assert.equal(statuses.get(200), 5, 'five wrong tries were counted')
      assert.equal(statuses.get(409), all.length - 5, 'every other try was refused')
      assert.equal(approved, false, 'the right code is refused after the limit')
      assert.equal((await right.json() as ErrorEnvelope).error.status, 'max_attempts_reached')
    })
  })

  test('race: 100 concurrent wrong checks leave exactly MAX_CHECK_ATTEMPTS counted', async () => {
    await withApp({ MAX_FAILED_CHECKS_PER_DAY: '0' }, async (t) => {
      const v = (await (await create(t, '+12015550502')).json()) as Verification
      const wrong = wrongCode(await t.codeOf(v.id))
      const answers = await Promise.all(Array.from({ length: 100 }, () => t.v1('POST', '/v1/verifications/check', { id: v.id, code: wrong })))
      assert.equal(answers.filter((r) => r.status === 200).length, 5)
      assert.equal((await t.store.get(v.id))?.checkAttempts, 5)
    })
  })

  test('attempts are kept across resends of the same verification', async () => {
    await withApp({ RESEND_COOLDOWN_SECONDS: '0' }, async (t) => {
      const v = (await (await create(t, '+12015550503')).json()) as Verification
      const wrong = wrongCode(await t.codeOf(v.id))
      for (let i = 0; i < 3; i++) await t.v1('POST', '/v1/verifications/check', { id: v.id, code: wrong })
      const resent = (await (await create(t, '+12015550503')).json()) as Verification
      assert.equal(resent.id, v.id)
      assert.equal(resent.checkAttempts, 3)
    })
  })

  test('per-number budget of wrong codes across verifications (MAX_FAILED_CHECKS_PER_DAY)', async () => {
    await withApp({ MAX_FAILED_CHECKS_PER_DAY: '7', RESEND_COOLDOWN_SECONDS: '0' }, async (t) => {
      const to = '+12015550504'
      const first = (await (await create(t, to)).json()) as Verification
      const wrong1 = wrongCode(await t.codeOf(first.id))
      for (let i = 0; i < 5; i++) await t.v1('POST', '/v1/verifications/check', { to, code: wrong1 })
      // A new code does not reset the budget: 2 more wrong tries, then every check is refused.
      const second = (await (await create(t, to)).json()) as Verification
      assert.notEqual(second.id, first.id)
      const code = await t.codeOf(second.id)
      for (let i = 0; i < 2; i++) {
        const r = await t.v1('POST', '/v1/verifications/check', { to, code: wrongCode(code) })
        assert.equal(r.status, 200)
      }
      await expectLimited(await t.v1('POST', '/v1/verifications/check', { to, code }), 'number_failed_checks')
      const form = await postForm(t.app, '/validate-auth', { number: to, auth_code: code })
      assert.equal(form.status, 429)
      // A day later the budget is back.
      t.clock.advance(24 * 3_600_000)
      const third = (await (await create(t, to)).json()) as Verification
      const ok = await t.v1('POST', '/v1/verifications/check', { id: third.id, code: await t.codeOf(third.id) })
      assert.equal(ok.status, 200)
    })
  })
})

describe('sending limits', () => {
  test('per-number cooldown (RESEND_COOLDOWN_SECONDS) is triggered and released', async () => {
    await withApp({ RESEND_COOLDOWN_SECONDS: '30' }, async (t) => {
      assert.equal((await create(t, '+12015550511')).status, 201)
      const retryAfter = await expectLimited(await create(t, '+12015550511'), 'number_cooldown')
      assert.ok(retryAfter <= 30)
      t.clock.advance(30_000)
      assert.equal((await create(t, '+12015550511')).status, 200)
    })
  })

  test('per-number window (MAX_SENDS_PER_WINDOW) is triggered and released', async () => {
    await withApp({ RESEND_COOLDOWN_SECONDS: '0', MAX_SENDS_PER_WINDOW: '3', SEND_WINDOW_SECONDS: '600' }, async (t) => {
      for (let i = 0; i < 3; i++) assert.ok([200, 201].includes((await create(t, '+12015550512')).status))
      await expectLimited(await create(t, '+12015550512'), 'number_window')
      t.clock.advance(600_000)
      assert.equal((await create(t, '+12015550512')).status, 201, 'the old code expired with the window: a new one')
    })
  })

  test('per-IP limit on the form routes (IP_SENDS_PER_HOUR, TRUST_PROXY) is triggered and released', async () => {
    await withApp({ IP_SENDS_PER_HOUR: '3', TRUST_PROXY: 'true' }, async (t) => {
      const from = (ip: string, n: number) =>
        postForm(t.app, '/request-auth', { number: `+120155505${20 + n}` }, { 'X-Forwarded-For': `203.0.113.9, ${ip}`, Accept: 'application/json' })
      for (let i = 0; i < 3; i++) assert.equal((await from('198.51.100.1', i)).status, 200)
      await expectLimited(await from('198.51.100.1', 3), 'ip_window')
      assert.equal((await from('198.51.100.2', 4)).status, 200, 'another client is not affected')
      assert.equal((await create(t, '+12015550529')).status, 201, '/v1 callers are not limited per IP')
      t.clock.advance(3_600_000)
      assert.equal((await from('198.51.100.1', 5)).status, 200)
    })
  })

  test('without TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    await withApp({ IP_SENDS_PER_HOUR: '2', TRUST_PROXY: 'false' }, async (t) => {
      const from = (ip: string, n: number) => postForm(t.app, '/request-auth', { number: `+120155505${30 + n}` }, { 'X-Forwarded-For': ip })
      assert.equal((await from('198.51.100.1', 0)).status, 200)
      assert.equal((await from('198.51.100.2', 1)).status, 200)
      assert.equal((await from('198.51.100.3', 2)).status, 429, 'a forged header does not buy another budget')
    })
  })

  test('per-country hourly limit (COUNTRY_SENDS_PER_HOUR) is triggered and released', async () => {
    await withApp({ COUNTRY_SENDS_PER_HOUR: 'US:2,*:1' }, async (t) => {
      assert.equal((await create(t, '+12015550541')).status, 201)
      assert.equal((await create(t, '+12015550542')).status, 201)
      await expectLimited(await create(t, '+12015550543'), 'country_window')
      assert.equal((await create(t, '+33612345601')).status, 201, 'France falls under *:1')
      await expectLimited(await create(t, '+33612345602'), 'country_window')
      t.clock.advance(3_600_000)
      assert.equal((await create(t, '+12015550543')).status, 201)
    })
  })

  test('global hourly cap (GLOBAL_SENDS_PER_HOUR) is triggered and released; refused sends give their place back', async () => {
    await withApp({ GLOBAL_SENDS_PER_HOUR: '2', RESEND_COOLDOWN_SECONDS: '30' }, async (t) => {
      assert.equal((await create(t, '+12015550551')).status, 201)
      await expectLimited(await create(t, '+12015550551'), 'number_cooldown')
      assert.equal((await create(t, '+12015550552')).status, 201, 'the cooldown refusal did not use up the cap')
      await expectLimited(await create(t, '+12015550553'), 'global_window')
      t.clock.advance(3_600_000)
      assert.equal((await create(t, '+12015550553')).status, 201)
    })
  })

  test('ALLOWED_COUNTRIES: other countries get 403 country_not_allowed', async () => {
    await withApp({ ALLOWED_COUNTRIES: 'US,CA' }, async (t) => {
      const res = await create(t, '+33612345678')
      assert.equal(res.status, 403)
      assert.equal(((await res.json()) as ErrorEnvelope).error.code, 'country_not_allowed')
      assert.equal((await postForm(t.app, '/request-auth', { number: '+33612345678' })).status, 403)
      assert.equal((await create(t, '+12015550561')).status, 201)
    })
  })

  test('number types: premium-rate, toll-free and landlines are refused by default; ALLOWED_NUMBER_TYPES changes it', async () => {
    await withApp({}, async (t) => {
      for (const to of ['+19005550123', '+18005550123', '+442079460000']) {
        const res = await create(t, to)
        assert.equal(res.status, 403, to)
        assert.equal(((await res.json()) as ErrorEnvelope).error.code, 'number_type_not_allowed', to)
      }
      assert.equal((await postForm(t.app, '/request-auth', { number: '+19005550123' })).status, 403)
      assert.equal((await create(t, '+33612345678')).status, 201, 'a mobile number is fine')
    })
    await withApp({ ALLOWED_NUMBER_TYPES: 'MOBILE,FIXED_LINE_OR_MOBILE,TOLL_FREE' }, async (t) => {
      assert.equal((await create(t, '+18005550123')).status, 201)
      assert.equal((await create(t, '+19005550123')).status, 403)
    })
  })
})

describe('Idempotency-Key', () => {
  test('the same key replays the first answer and sends nothing more', async () => {
    await withApp({ RESEND_COOLDOWN_SECONDS: '0' }, async (t) => {
      const key = { 'Idempotency-Key': 'order-42-attempt' }
      const first = await create(t, '+12015550571', key)
      assert.equal(first.status, 201)
      const v = (await first.json()) as Verification
      const again = await create(t, '+12015550571', key)
      assert.equal(again.status, 201)
      assert.equal(again.headers.get('idempotent-replayed'), 'true')
      const replay = (await again.json()) as Verification
      assert.equal(replay.id, v.id)
      assert.equal(replay.sendAttempts, 1, 'no second send')
      assert.equal(await t.queue.getJob(`${v.id}-2`), undefined)
      const other = await create(t, '+12015550572', key)
      assert.equal(other.status, 422, 'the same key with another number is refused')
      const fresh = await create(t, '+12015550571', { 'Idempotency-Key': 'another' })
      assert.equal(fresh.status, 200, 'another key sends again')
      assert.equal(((await fresh.json()) as Verification).sendAttempts, 2)
    })
  })

  test('concurrent requests with one key: one send', async () => {
    await withApp({}, async (t) => {
      const answers = await Promise.all(Array.from({ length: 10 }, () => create(t, '+12015550573', { 'Idempotency-Key': 'same' })))
      const statuses = answers.map((r) => r.status)
      assert.ok(statuses.every((s) => s === 201 || s === 409), statuses.join(','))
      const v = (await t.store.get((await t.store.latestIdFor('+12015550573')) ?? '')) as Verification
      assert.equal(v.sendAttempts, 1)
    })
  })
})

describe('queue saturation', () => {
  test('with a send rate, a queue deeper than rate x TTL refuses new codes with 503 queue_saturated', async () => {
    // 1 msg/s x 10 s of code life: the 11th waiting job could not be sent in time.
    await withApp({ SEND_RATE_PER_SECOND: '1', CODE_TTL_SECONDS: '10' }, async (t) => {
      for (let i = 0; i < 10; i++) assert.equal((await create(t, `+120155506${String(i).padStart(2, '0')}`)).status, 201)
      t.clock.advance(1_000)
      const res = await create(t, '+12015550650')
      assert.equal(res.status, 503)
      assert.equal(((await res.json()) as ErrorEnvelope).error.code, 'queue_saturated')
      assert.ok(Number(res.headers.get('retry-after')) > 0)
    })
  })
})
