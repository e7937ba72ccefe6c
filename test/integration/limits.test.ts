import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { buildTestApp, postForm, serveTestApp, type TestApp } from '../helpers/app.js'
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
      // The public form routes are a service of their own: they neither see this verification nor share its budget.
      const form = await postForm(t.app, '/validate-auth', { number: to, auth_code: code })
      assert.equal(form.status, 403)
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

  /** POSTs /request-auth over a real socket (from 127.0.0.1) with an X-Forwarded-For header. */
  async function withServedApp(env: Record<string, string>, body: (send: (xff: string | undefined, n: number) => Promise<Response>, t: TestApp) => Promise<void>): Promise<void> {
    await withApp(env, async (t) => {
      const served = await serveTestApp(t.app)
      try {
        await body(
          (xff, n) =>
            fetch(`${served.url}/request-auth`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...(xff === undefined ? {} : { 'X-Forwarded-For': xff }) },
              body: new URLSearchParams({ number: `+12015550${String(500 + n)}` }).toString(),
            }),
          t,
        )
      } finally {
        await served.close()
      }
    })
  }

  test('per-IP limit on the form routes (IP_SENDS_PER_HOUR, TRUST_PROXY=true: one hop) is triggered and released', async () => {
    await withServedApp({ IP_SENDS_PER_HOUR: '3', TRUST_PROXY: 'true' }, async (send, t) => {
      // What the client claims (203.0.113.9) is left of the hop the proxy wrote: never read.
      const from = (ip: string, n: number) => send(`203.0.113.9, ${ip}`, n)
      for (let i = 0; i < 3; i++) assert.equal((await from('198.51.100.1', i)).status, 200)
      const limited = await from('198.51.100.1', 3)
      assert.equal(limited.status, 429)
      assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After is set')
      // The public route says no more than that: which limit it was would tell what a number had.
      assert.deepEqual(Object.keys(((await limited.json()) as { error: object }).error).sort(), ['code', 'message', 'requestId'])
      assert.equal((await from('198.51.100.2', 4)).status, 200, 'another client is not affected')
      assert.equal((await create(t, '+12015550529')).status, 201, '/v1 callers are not limited per IP')
      t.clock.advance(3_600_000)
      assert.equal((await from('198.51.100.1', 5)).status, 200)
    })
  })

  test('without TRUST_PROXY, X-Forwarded-For is ignored', async () => {
    await withServedApp({ IP_SENDS_PER_HOUR: '2', TRUST_PROXY: 'false' }, async (send) => {
      assert.equal((await send('198.51.100.1', 10)).status, 200)
      assert.equal((await send('198.51.100.2', 11)).status, 200)
      assert.equal((await send('198.51.100.3', 12)).status, 429, 'a forged header does not buy another budget')
    })
  })

  test('TRUST_PROXY as CIDRs: believed only from a proxy in those ranges, read past every trusted hop', async () => {
    await withServedApp({ IP_SENDS_PER_HOUR: '1', TRUST_PROXY: '127.0.0.0/8,10.0.0.0/8' }, async (send) => {
      // 127.0.0.1 (the socket) and 10.1.2.3 (a second proxy) are trusted: the client is 198.51.100.7.
      assert.equal((await send('203.0.113.9, 198.51.100.7, 10.1.2.3', 20)).status, 200)
      assert.equal((await send('198.51.100.7', 21)).status, 429)
      assert.equal((await send('198.51.100.8, 10.9.9.9', 22)).status, 200, 'another client behind the same proxies')
    })
    await withServedApp({ IP_SENDS_PER_HOUR: '1', TRUST_PROXY: '10.0.0.0/8' }, async (send) => {
      // The socket's peer (127.0.0.1) is not a trusted proxy: the header is its own claim and changes nothing.
      assert.equal((await send('198.51.100.1', 23)).status, 200)
      assert.equal((await send('198.51.100.2', 24)).status, 429)
    })
  })

  test('IPv6 clients are limited per /64: a new address in the same network is the same client', async () => {
    await withServedApp({ IP_SENDS_PER_HOUR: '2', TRUST_PROXY: 'true' }, async (send) => {
      assert.equal((await send('2001:db8:1:2::1', 30)).status, 200)
      assert.equal((await send('2001:db8:1:2:ffff:ffff:ffff:fffe', 31)).status, 200)
      assert.equal((await send('2001:0db8:0001:0002::abcd', 32)).status, 429, 'the third address of one /64 is refused')
      assert.equal((await send('2001:db8:1:3::1', 33)).status, 200, 'the next /64 is another client')
      assert.equal((await send('::ffff:198.51.100.20', 34)).status, 200, 'IPv4-mapped addresses count as IPv4')
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
      const v = (await t.store.get((await t.store.latestIdFor('+12015550573', t.serviceStore.builtIn.default)) ?? '')) as Verification
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
