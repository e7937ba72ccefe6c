import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import type { Verification } from '../../shared/verification.js'
import { buildTestApp, postForm, type TestApp } from '../helpers/app.js'

/*
 * The public form routes as an attacker meets them: another web site making visitors' browsers ask for codes, an
 * anonymous visitor reaching an application's verifications, and wrong-code probes that would tell a number's past.
 */

interface Envelope {
  error: Record<string, unknown>
}

const otherCode = (code: string): string => String((Number(code) + 1) % 1_000_000).padStart(6, '0')

describe('public routes: cross-site requests (Sec-Fetch-Site, Origin)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0', CORS_ORIGINS: 'https://app.example.com' })
  })
  afterAll(async () => t.close())

  let n = 600
  const next = (): string => `+1201555${String(n++).padStart(4, '0')}`
  const queued = (): Promise<number> => t.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized', 'active', 'completed')

  test('another site cannot make the service send: GET (an <img>) and POST (a form) are 403, nothing is queued', async () => {
    const before = await queued()
    const img = await t.app.request(`/request-auth?number=${encodeURIComponent(next())}`, {
      headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Dest': 'image' },
    })
    assert.equal(img.status, 403)
    assert.equal(await img.text(), 'Forbidden')
    const form = await postForm(t.app, '/request-auth', { number: next() }, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })
    assert.equal(form.status, 403)
    const sameSite = await postForm(t.app, '/request-auth', { number: next() }, { 'Sec-Fetch-Site': 'same-site' })
    assert.equal(sameSite.status, 403, 'a sibling subdomain is another site too')
    const foreignOrigin = await postForm(t.app, '/request-auth', { number: next() }, { Origin: 'https://evil.example' })
    assert.equal(foreignOrigin.status, 403, 'an Origin alone is enough to tell')
    const opaque = await postForm(t.app, '/request-auth', { number: next() }, { Origin: 'null' })
    assert.equal(opaque.status, 403, 'a sandboxed page or file: origin')
    const validate = await postForm(t.app, '/validate-auth', { number: next(), auth_code: '123456' }, { 'Sec-Fetch-Site': 'cross-site' })
    assert.equal(validate.status, 403)
    assert.equal(await queued(), before, 'no send job was queued')
  })

  test('the demo page itself, listed origins and clients without those headers are served', async () => {
    const own = await postForm(t.app, '/request-auth', { number: next() }, { Origin: 'http://localhost', 'Sec-Fetch-Site': 'same-origin' })
    assert.equal(own.status, 200, 'the page posting to its own origin (Host: localhost)')
    const navigation = await t.app.request(`/request-auth?number=${encodeURIComponent(next())}`, { headers: { 'Sec-Fetch-Site': 'none' } })
    assert.equal(navigation.status, 200, 'a URL typed into the address bar')
    const listed = await postForm(t.app, '/request-auth', { number: next() }, { Origin: 'https://app.example.com', 'Sec-Fetch-Site': 'cross-site' })
    assert.equal(listed.status, 200, 'an origin in CORS_ORIGINS, whatever Sec-Fetch-Site says')
    const curl = await postForm(t.app, '/request-auth', { number: next() })
    assert.equal(curl.status, 200, 'curl and the Python guide send neither header')
  })

  test('/v1 is not a form route: its callers send keys, not cookies, and keep CORS', async () => {
    const res = await t.v1('POST', '/v1/verifications', { to: next() }, { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' })
    assert.equal(res.status, 201)
  })
})

describe('public routes: a namespace of their own', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0', MAX_FAILED_CHECKS_PER_DAY: '20' })
  })
  afterAll(async () => t.close())

  test("an anonymous visitor cannot approve, spend the attempts of, or lock an application's verification", async () => {
    const to = '+12015550650'
    const created = await t.v1('POST', '/v1/verifications', { to })
    assert.equal(created.status, 201)
    const v = (await created.json()) as Verification
    const code = await t.codeOf(v.id)

    // The right code on the public route does not approve it ...
    assert.equal((await postForm(t.app, '/validate-auth', { number: to, auth_code: code })).status, 403)
    // ... and 25 wrong ones spend none of its attempts and none of the number's daily budget.
    for (let i = 0; i < 25; i++) await postForm(t.app, '/validate-auth', { number: to, auth_code: otherCode(code) })
    const after = (await (await t.v1('GET', `/v1/verifications/${v.id}`)).json()) as Verification
    assert.equal(after.status, 'pending')
    assert.equal(after.checkAttempts, 0)
    const approved = await t.v1('POST', '/v1/verifications/check', { to, code })
    assert.equal(approved.status, 200)
    assert.equal(((await approved.json()) as { valid: boolean }).valid, true)
  })

  test('the same number has a verification in each: a code sent on the form does not answer /v1, and back', async () => {
    const to = '+12015550651'
    assert.equal((await postForm(t.app, '/request-auth', { number: to })).status, 200)
    const publicId = await t.store.latestIdFor(to, t.serviceStore.builtIn.public)
    assert.ok(publicId)
    const publicCode = await t.codeOf(publicId)
    const v1 = await t.v1('POST', '/v1/verifications/check', { to, code: publicCode })
    assert.equal(v1.status, 404, '/v1 has no verification for the number')
    const byId = await t.v1('POST', '/v1/verifications/check', { id: publicId, code: publicCode })
    assert.equal(byId.status, 404, 'nor by the public verification’s id')
    assert.equal((await postForm(t.app, '/validate-auth', { number: to, auth_code: publicCode })).status, 200)
  })
})

describe('public routes: wrong-code probes tell nothing about a number', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0' })
  })
  afterAll(async () => t.close())

  /** The JSON answer of a wrong code, without its request id. */
  async function probe(number: string): Promise<{ status: number; body: Envelope }> {
    const res = await postForm(t.app, '/validate-auth', { number, auth_code: '000000' }, { Accept: 'application/json' })
    const body = (await res.json()) as Envelope
    delete body.error.requestId
    return { status: res.status, body }
  }

  async function requested(number: string): Promise<{ id: string; code: string }> {
    assert.equal((await postForm(t.app, '/request-auth', { number })).status, 200)
    const id = await t.store.latestIdFor(number, t.serviceStore.builtIn.public)
    assert.ok(id)
    const code = await t.codeOf(id)
    // The probe's 000000 must be wrong for each.
    if (code === '000000') throw new Error('unlucky code; rerun')
    return { id, code }
  }

  test('never had one, pending, approved, canceled and expired all answer the same 403', async () => {
    const never = await probe('+12015550660')

    const pending = '+12015550661'
    await requested(pending)

    const approved = '+12015550662'
    const a = await requested(approved)
    assert.equal((await postForm(t.app, '/validate-auth', { number: approved, auth_code: a.code })).status, 200)

    const canceled = '+12015550663'
    const c = await requested(canceled)
    assert.equal((await t.v1('POST', `/v1/verifications/${c.id}/cancel`)).status, 200)

    assert.equal(never.status, 403)
    assert.deepEqual(never.body, { error: { code: 'forbidden', message: 'Forbidden' } })
    for (const number of [pending, approved, canceled]) assert.deepEqual(await probe(number), never, number)

    const expired = '+12015550664'
    await requested(expired)
    t.clock.advance(600_000)
    assert.deepEqual(await probe(expired), never, expired)
  })
})
