import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { startTestWorker, TEST_PROJECT, TEST_TOKEN, type TestWorker } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'

/*
 * The recipient's language, read where the recipient reads it: the SMS text at the relay. The country picks it
 * unless the request names one; SMS_TEMPLATE, the operator's own text, is used as it is in every language.
 */
describe('languages of the SMS', () => {
  let relay: FakeRelay
  let t: TestApp
  let w: TestWorker

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    t = await buildTestApp({ SERVICE_NAME: 'Acme' })
    w = await startTestWorker(t, relay.url)
  })
  afterAll(async () => {
    await w.close()
    await t.close()
    await relay.close()
  })

  async function smsFor(body: Record<string, unknown>): Promise<{ v: Verification; text: string; code: string }> {
    const res = await t.v1('POST', '/v1/verifications', body)
    const v = (await res.json()) as Verification
    assert.equal(res.status, 201, JSON.stringify(v))
    const sms = await relay.waitForMessageTo(String(body.to), 10_000)
    return { v, text: sms.body, code: await t.codeOf(v.id) }
  }

  test('+34 gets Spanish, +55 Portuguese (Brazil), +49 German, +1 English', async () => {
    const es = await smsFor({ to: '+34612345678' })
    assert.equal(es.v.locale, 'es')
    assert.equal(es.text, `Tu código de Acme es: ${es.code}`)
    const pt = await smsFor({ to: '+5511912345678' })
    assert.equal(pt.v.locale, 'pt-BR')
    assert.equal(pt.text, `Acme: seu código de verificação é ${pt.code}`)
    const de = await smsFor({ to: '+4915123456789' })
    assert.equal(de.v.locale, 'de')
    assert.equal(de.text, `Ihr Bestätigungscode für Acme lautet: ${de.code}`)
    const en = await smsFor({ to: '+12015550801' })
    assert.equal(en.text, `Your Acme verification code is: ${en.code}`)
  })

  test('locale "ja" is Japanese wherever the number is; a case-insensitive tag or a region variant resolves', async () => {
    const ja = await smsFor({ to: '+12015550802', locale: 'ja' })
    assert.equal(ja.v.locale, 'ja')
    assert.equal(ja.text, `Acmeの認証コードは${ja.code}です`)
    const variant = await smsFor({ to: '+12015550803', locale: 'es-MX' })
    assert.equal(variant.v.locale, 'es')
    const upper = await smsFor({ to: '+12015550804', locale: 'PT-br' })
    assert.equal(upper.v.locale, 'pt-BR')
  })

  test('a locale with no texts is 400 invalid_request and sends nothing', async () => {
    for (const locale of ['xx', 'klingon', 'zz-ZZ']) {
      const res = await t.v1('POST', '/v1/verifications', { to: '+12015550805', locale })
      assert.equal(res.status, 400, locale)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_request')
    }
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(relay.messages.filter((m) => m.to === '+12015550805').length, 0)
  })
})

describe('SMS_TEMPLATE', () => {
  let relay: FakeRelay
  let t: TestApp
  let w: TestWorker

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    t = await buildTestApp({ SMS_TEMPLATE: '{code} is your login code' })
    w = await startTestWorker(t, relay.url)
  })
  afterAll(async () => {
    await w.close()
    await t.close()
    await relay.close()
  })

  test('the operator\'s text is used as it is, for a Spanish number too', async () => {
    const res = await t.v1('POST', '/v1/verifications', { to: '+34612345679' })
    const v = (await res.json()) as Verification
    const sms = await relay.waitForMessageTo('+34612345679', 10_000)
    assert.equal(sms.body, `${await t.codeOf(v.id)} is your login code`)
  })
})
