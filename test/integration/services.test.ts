import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { eventually, startTestWorker, TEST_PROJECT, TEST_TOKEN, type TestWorker } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'

/*
 * Services as namespaces: a /v2 service used from /v1, one pending verification per number per service, checks that
 * never cross services, and the worker naming the service (and noticing a deleted one). The real worker sends to
 * the fake relay.
 */

const ACCOUNT = `AC${'f6'.repeat(16)}`

describe('services', () => {
  let relay: FakeRelay
  let t: TestApp
  let w: TestWorker

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0' })
    w = await startTestWorker(t, relay.url)
  })
  afterAll(async () => {
    await w.close()
    await t.close()
    await relay.close()
  })

  async function create(body: Record<string, unknown>, status = 201): Promise<Verification> {
    const res = await t.v1('POST', '/v1/verifications', body)
    const json = (await res.json()) as Verification
    assert.equal(res.status, status, JSON.stringify(json))
    return json
  }

  test('/v1 names a /v2 service: its code length, its name in the SMS, its id on the resource', async () => {
    const service = await t.serviceStore.create(ACCOUNT, { friendlyName: 'Globex', codeLength: 8 })
    const v = await create({ to: '+12015550301', service: service.id })
    assert.equal(v.service, service.id)
    const code = await t.codeOf(v.id)
    assert.match(code, /^\d{8}$/)
    const sms = await relay.waitForMessageTo('+12015550301', 10_000)
    assert.equal(sms.body, `Your Globex verification code is: ${code}`)

    // A check that names no service is the default service's, whose codes have 6 digits: this one is malformed there.
    assert.equal((await t.v1('POST', '/v1/verifications/check', { to: '+12015550301', code })).status, 400)
    assert.equal((await t.v1('POST', '/v1/verifications/check', { to: '+12015550301', code: code.slice(0, 6) })).status, 404)
    const checked = await t.v1('POST', '/v1/verifications/check', { to: '+12015550301', code, service: service.id })
    assert.equal(((await checked.json()) as Verification).status, 'approved')
  })

  test('one number has one pending verification per service, and a check in one never touches the other', async () => {
    const service = await t.serviceStore.create(ACCOUNT, { friendlyName: 'Initech' })
    const to = '+12015550302'
    const inDefault = await create({ to })
    const inService = await create({ to, service: service.id })
    assert.notEqual(inDefault.id, inService.id)
    assert.equal((await create({ to }, 200)).id, inDefault.id, 'a resend in the default service is the same verification')
    const defaultCode = await t.codeOf(inDefault.id)
    const serviceCode = await t.codeOf(inService.id)

    // Wrong codes in the service spend only the service's attempts.
    for (let i = 0; i < 5; i++) {
      const wrong = serviceCode === '000000' ? '111111' : '000000'
      await t.v1('POST', '/v1/verifications/check', { to, code: wrong === defaultCode ? '222222' : wrong, service: service.id })
    }
    assert.equal((await t.store.get(inService.id))?.status, 'max_attempts_reached')
    const stillPending = await t.store.get(inDefault.id)
    assert.equal(stillPending?.status, 'pending')
    assert.equal(stillPending.checkAttempts, 0)
    const ok = await t.v1('POST', '/v1/verifications/check', { to, code: defaultCode })
    assert.equal(((await ok.json()) as Verification).status, 'approved')
  })

  test('/v1 refuses an unknown service and the built-in public and MFA services with 404', async () => {
    for (const service of [`VA${'0'.repeat(32)}`, t.serviceStore.builtIn.public.id, t.serviceStore.builtIn.mfa.id]) {
      const res = await t.v1('POST', '/v1/verifications', { to: '+12015550303', service })
      assert.equal(res.status, 404, service)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'not_found')
      const check = await t.v1('POST', '/v1/verifications/check', { to: '+12015550303', code: '123456', service })
      assert.equal(check.status, 404)
    }
    // The default service may be named explicitly.
    const v = await create({ to: '+12015550303', service: t.serviceStore.builtIn.default.id })
    assert.equal(v.service, t.serviceStore.builtIn.default.id)
  })

  test('a renamed service sends its new name; a deleted one sends nothing and the send is recorded as skipped', async () => {
    const service = await t.serviceStore.create(ACCOUNT, { friendlyName: 'Old Name' })
    await t.serviceStore.update(service.id, { friendlyName: 'New Name' })
    const renamed = await create({ to: '+12015550304', service: service.id })
    const sms = await relay.waitForMessageTo('+12015550304', 10_000)
    assert.equal(sms.body, `Your New Name verification code is: ${await t.codeOf(renamed.id)}`)

    // Queue a send, then delete the service before the worker takes it.
    await w.worker.pause()
    const orphan = await create({ to: '+12015550305', service: service.id })
    await t.serviceStore.delete(service)
    w.worker.resume()
    const skipped = await eventually(
      async () => {
        const v = await t.store.get(orphan.id)
        return v?.delivery.status === 'skipped' ? v : undefined
      },
      10_000,
      'the send skipped',
    )
    assert.equal(skipped.delivery.error?.code, 'service_gone')
    assert.equal(relay.messages.filter((m) => m.to === '+12015550305').length, 0)
    // And the service is gone for /v1 too.
    assert.equal((await t.v1('POST', '/v1/verifications', { to: '+12015550306', service: service.id })).status, 404)
  })
})
