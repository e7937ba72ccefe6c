import assert from 'node:assert/strict'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { createFraudGuard } from '../../api/fraud/guard.js'
import { createLogger } from '../../shared/logger.js'
import { createApiMetrics } from '../../shared/metrics.js'
import { buildTestApp, postForm, type TestApp } from '../helpers/app.js'
import type { Verification } from '../../shared/verification.js'

/*
 * The fraud guard on the real Redis, with a hand-moved clock: the attack it exists for (many codes to one prefix,
 * none used), the traffic it must never refuse, and its refusals on every surface.
 */

const GUARD = {
  FRAUD_GUARD: 'enforce',
  FRAUD_MIN_SENDS: '10',
  FRAUD_MIN_CONVERSION: '0.2',
  FRAUD_WINDOW_SECONDS: '600',
  FRAUD_GRACE_SECONDS: '60',
  FRAUD_BLOCK_SECONDS: '120',
  RESEND_COOLDOWN_SECONDS: '0',
}
const ATTACKED = '+447911'
const ACCOUNT = `AC${'fa'.repeat(16)}`
const TOKEN = 'fraud-test-token'

/** Valid UK mobile numbers of one prefix: +447911 123 4NN, or another block for another prefix. */
const number = (prefix: string, n: number): string => `${prefix}${String(123400 + n).padStart(6, '0')}`

describe('fraud guard (enforce)', () => {
  let t: TestApp

  beforeAll(async () => {
    t = await buildTestApp({
      ...GUARD,
      FRAUD_SAFE_LIST: '+447911000001',
      TWILIO_COMPAT_CREDENTIALS: `${ACCOUNT}:${TOKEN}`,
      SIGNALWIRE_MFA_CREDENTIALS: 'fraud-project:fraud-mfa-token',
    })
  })
  afterAll(() => t.close())

  async function start(to: string): Promise<Response> {
    return t.v1('POST', '/v1/verifications', { to })
  }
  async function approve(to: string): Promise<void> {
    const created = (await (await start(to)).json()) as Verification
    const checked = await t.v1('POST', '/v1/verifications/check', { id: created.id, code: await t.codeOf(created.id) })
    assert.equal(((await checked.json()) as Verification).status, 'approved')
  }

  test('an unused prefix is blocked with its figures; users elsewhere, known numbers and the safe list still get codes', async () => {
    // A real user of the attacked prefix, approved before the attack.
    const known = number(ATTACKED, 99)
    await approve(known)
    // The attack: 12 codes to the prefix, none used, while users of another prefix use theirs.
    for (let i = 0; i < 12; i++) assert.equal((await start(number(ATTACKED, i))).status, 201)
    for (let i = 0; i < 5; i++) await approve(number('+447700', i))
    // Within the grace period nothing is judged yet. (A code is judged once its time bucket, a 60th of the window,
    // is past the grace period: 60 to 70 s here.)
    assert.equal((await start(number(ATTACKED, 20))).status, 201)
    t.clock.advance(70_000)

    const refused = await start(number(ATTACKED, 21))
    assert.equal(refused.status, 403)
    const body = (await refused.json()) as { error: { code: string; prefix: string; until: string; reason: string; message: string } }
    assert.equal(body.error.code, 'fraud_suspected')
    assert.equal(body.error.prefix, ATTACKED)
    assert.equal(Date.parse(body.error.until), t.clock.now() + 120_000)
    assert.equal(body.error.reason, `1 of 14 codes sent to ${ATTACKED} in the last 10 minutes was used`)

    // Still refused, on every surface, with the same block.
    assert.equal((await start(number(ATTACKED, 22))).status, 403)
    const form = await postForm(t.app, '/request-auth', { number: number(ATTACKED, 23) })
    assert.deepEqual([form.status, await form.text()], [403, 'Forbidden'])
    const v2Service = await t.serviceStore.create(ACCOUNT, { friendlyName: 'Fraud' })
    const v2 = await t.app.request(`/v2/Services/${v2Service.id}/Verifications`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: number(ATTACKED, 24), Channel: 'sms' }).toString(),
    })
    const v2Body = (await v2.json()) as { code: number; message: string }
    assert.deepEqual([v2.status, v2Body.code], [403, 60410])
    assert.match(v2Body.message, /\+447911/)
    const mfa = await t.app.request('/api/relay/rest/mfa/sms', {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from('fraud-project:fraud-mfa-token').toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: number(ATTACKED, 25) }),
    })
    assert.equal(mfa.status, 422)

    // The known number, the safe list and the other prefix pass.
    assert.equal((await start(known)).status, 201)
    assert.equal((await start('+447911000001')).status, 201)
    assert.equal((await start(number('+447700', 10))).status, 201)
    // Nobody is refused by a per-number limit here, so the refusal above was the guard's: it counted for it.
    const metrics = await t.metrics.registry.getSingleMetricAsString('sms2fa_fraud_refusals_total')
    assert.match(metrics, /sms2fa_fraud_refusals_total \d+/)
  })

  test('the block lifts by itself, comes back doubled on a second attack, and an operator can lift it at once', async () => {
    // (continues from the attack above) After 120 s the prefix is judged afresh: a new code goes out.
    t.clock.advance(121_000)
    assert.equal((await start(number(ATTACKED, 30))).status, 201)
    // A second attack: the next block lasts twice as long.
    for (let i = 31; i < 41; i++) await start(number(ATTACKED, i))
    t.clock.advance(70_000)
    const refused = (await (await start(number(ATTACKED, 41))).json()) as { error: { until: string; reason: string } }
    assert.equal(Date.parse(refused.error.until), t.clock.now() + 240_000)
    assert.equal(refused.error.reason, `0 of 11 codes sent to ${ATTACKED} in the last 10 minutes were used`)

    const overview = await t.fraud.overview()
    assert.deepEqual(
      overview.blocks.map((b) => [b.prefix, b.strikes]),
      [[ATTACKED, 2]],
    )
    assert.ok(await t.fraud.lift(ATTACKED))
    assert.equal(await t.fraud.lift(ATTACKED), false, 'nothing left to lift')
    assert.equal((await start(number(ATTACKED, 42))).status, 201)
  })

  test('GET /admin/fraud figures: countries and prefixes with their sends and approvals', async () => {
    const overview = await t.fraud.overview()
    const other = overview.prefixes.find((p) => p.prefix === '+447700')
    assert.ok(other !== undefined)
    assert.ok(other.approved >= 5 && other.sends >= 6, JSON.stringify(other))
    assert.ok(overview.countries.some((c) => c.country === 'GB' && c.sends > 0))
    assert.ok(overview.timeline.some((b) => b.sends > 0))
    assert.equal(overview.timeline.length, 60)
  })
})

describe('fraud guard (monitor)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ ...GUARD, FRAUD_GUARD: 'monitor' })
  })
  afterAll(() => t.close())

  test('refuses nothing, and reports the same judgement', async () => {
    for (let i = 0; i < 12; i++) await t.v1('POST', '/v1/verifications', { to: number(ATTACKED, i) })
    t.clock.advance(70_000)
    for (let i = 12; i < 20; i++) assert.equal((await t.v1('POST', '/v1/verifications', { to: number(ATTACKED, i) })).status, 201)
    const overview = await t.fraud.overview()
    assert.equal(overview.mode, 'monitor')
    assert.deepEqual(
      overview.blocks.map((b) => [b.prefix, b.reason]),
      [[ATTACKED, `0 of 12 codes sent to ${ATTACKED} in the last 10 minutes were used`]],
    )
    const blocks = await t.metrics.registry.getSingleMetricAsString('sms2fa_fraud_blocks_total')
    assert.match(blocks, /sms2fa_fraud_blocks_total\{mode="monitor"\} 1/)
  })
})

describe('fraud guard: never refuses traffic whose codes are used', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ ...GUARD, FRAUD_MIN_SENDS: '5' })
  })
  afterAll(() => t.close())

  test('property: batches of any size and spacing, each with at least 20 % of its codes approved in the grace period, pass', async () => {
    let serial = 0
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            size: fc.integer({ min: 1, max: 40 }),
            // how far above the threshold the batch's conversion is (0: exactly 20 %)
            extra: fc.integer({ min: 0, max: 10 }),
            // seconds until the next batch: within the grace period, across it, or a window later
            gap: fc.oneof(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 60, max: 700 })),
          }),
          { minLength: 1, maxLength: 12 },
        ),
        async (batches) => {
          // Each run watches a prefix of its own: +44 7400 (run) ...
          const prefix = `+4474${String(run++ % 100).padStart(2, '0')}`
          const guard = createFraudGuard({ redis: t.redis, keys: t.keys, secrets: t.secrets, config: t.config, logger: createLogger(t.config, 'api'), metrics: createApiMetrics(), now: t.clock.now })
          for (const batch of batches) {
            const used = Math.min(batch.size, Math.ceil(0.2 * batch.size) + batch.extra)
            const sent: string[] = []
            for (let i = 0; i < batch.size; i++) {
              const to = `${prefix}${String(serial++ % 1_000_000).padStart(6, '0')}`
              const decision = await guard.beforeSend(to, 'GB', 'property')
              if (decision.kind === 'refused') return false
              sent.push(to)
            }
            // The users use their codes within the grace period; the rest are left to expire.
            t.clock.advance(5_000)
            const sentAt = t.clock.now() - 5_000
            for (const to of sent.slice(0, used)) await guard.ended(to, 'GB', sentAt, true)
            t.clock.advance(batch.gap * 1000)
          }
          return true
        },
      ),
      { numRuns: 40, seed: 20261201 },
    )
  })

  test('and the same volume with too few codes used is refused (the property can fail)', async () => {
    const guard = createFraudGuard({ redis: t.redis, keys: t.keys, secrets: t.secrets, config: t.config, logger: createLogger(t.config, 'api'), metrics: createApiMetrics(), now: t.clock.now })
    let refused = false
    for (let batch = 0; batch < 5 && !refused; batch++) {
      const sent: string[] = []
      for (let i = 0; i < 10; i++) {
        const to = `+447499${String(batch * 10 + i).padStart(6, '0')}`
        const decision = await guard.beforeSend(to, 'GB', 'negative')
        if (decision.kind === 'refused') refused = true
        else sent.push(to)
      }
      t.clock.advance(5_000)
      // 1 in 10 used: below 20 %.
      for (const to of sent.slice(0, 1)) await guard.ended(to, 'GB', t.clock.now() - 5_000, true)
      t.clock.advance(70_000)
    }
    assert.ok(refused)
  })
})

describe('TEST_NUMBERS', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ ...GUARD, TEST_NUMBERS: '+15005550006:123456,+15005550007:AB12CD', MAX_SENDS_PER_WINDOW: '3' })
  })
  afterAll(() => t.close())

  test('a test number gets its listed code, nothing is queued, and 50 requests in a row are not limited', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await t.v1('POST', '/v1/verifications', { to: '+15005550006' })
      assert.ok(res.status === 201 || res.status === 200, `request ${i + 1}: ${res.status}`)
      const v = (await res.json()) as Verification
      assert.equal(v.delivery.status, 'skipped')
      assert.equal(v.delivery.error?.code, 'test_number')
    }
    const counts = await t.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized')
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 0, 'no send job')
    const checked = await t.v1('POST', '/v1/verifications/check', { to: '+15005550006', code: '123456' })
    assert.equal(((await checked.json()) as Verification).status, 'approved')
    // Nothing counted for the fraud guard either.
    assert.deepEqual((await t.fraud.overview()).prefixes, [])
  })

  test('the code is the listed one, letters too; a wrong code is wrong', async () => {
    const lettered = (await (await t.v1('POST', '/v1/verifications', { to: '+15005550007' })).json()) as Verification
    assert.equal(await t.codeOf(lettered.id), 'AB12CD')
    const wrong = await t.v1('POST', '/v1/verifications/check', { to: '+15005550006', code: '654321' })
    assert.equal(wrong.status, 409, 'approved above: nothing pending')
    const again = (await (await t.v1('POST', '/v1/verifications', { to: '+15005550006' })).json()) as Verification
    const miss = await t.v1('POST', '/v1/verifications/check', { id: again.id, code: '654321' })
    assert.equal(((await miss.json()) as { valid: boolean }).valid, false)
  })
})
