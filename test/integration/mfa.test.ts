import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { fromUuid } from '../../shared/ids.js'
import { buildTestApp, serveTestApp, type TestApp } from '../helpers/app.js'

/*
 * SignalWire's MFA API as its callers use it: JSON over HTTP with Basic `project:token`, over a real socket.
 */

const PROJECT = 'b7c1a0f2-5a4e-4d1c-9a53-1f0c2e9d8a77'
const TOKEN = 'PTmfa-token-0123456789abcdef'
const OTHER = 'other-project'
const OTHER_TOKEN = 'PTother-token-0123456789'

let t: TestApp
let server: Awaited<ReturnType<typeof serveTestApp>>

function basic(project: string, token: string): string {
  return `Basic ${Buffer.from(`${project}:${token}`).toString('base64')}`
}

async function mfa(path: string, body: unknown, auth = basic(PROJECT, TOKEN)): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/api/relay/rest/mfa/${path}`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  })
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function requested(body: Record<string, unknown>): Promise<string> {
  const res = await mfa('sms', body)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.equal(res.body.success, true)
  assert.equal(res.body.channel, 'sms')
  const id = String(res.body.id)
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  return id
}

const tokenOf = (id: string): Promise<string> => t.codeOf(fromUuid(id) ?? id)
const wrongToken = (token: string): string => token.replace(/.$/, (ch) => (ch === '1' ? '2' : '1'))

beforeAll(async () => {
  t = await buildTestApp({ SIGNALWIRE_MFA_CREDENTIALS: `${PROJECT}:${TOKEN},${OTHER}:${OTHER_TOKEN}` })
  server = await serveTestApp(t.app)
})
afterAll(async () => {
  await server.close()
  await t.close()
})

describe('the SignalWire MFA API', () => {
  it('sms → verify wrong → verify right → 404 after', async () => {
    const id = await requested({ to: '+12015550171' })
    const token = await tokenOf(id)
    assert.match(token, /^\d{6}$/)
    assert.deepEqual(await mfa(`${id}/verify`, { token: wrongToken(token) }), { status: 200, body: { success: false } })
    assert.deepEqual(await mfa(`${id}/verify`, { token }), { status: 200, body: { success: true } })
    const after = await mfa(`${id}/verify`, { token })
    assert.equal(after.status, 404)
    assert.deepEqual(after.body, { errors: [{ detail: 'Not Found', status: '404', title: 'Not Found', code: '404' }] })
  })

  it('every request is a new token and a new id, even to the same number at once', async () => {
    const a = await requested({ to: '+12015550172' })
    const b = await requested({ to: '+12015550172' })
    assert.notEqual(a, b)
    // Both stay usable: MFA has no resend, and a second request does not end the first.
    assert.equal((await mfa(`${a}/verify`, { token: await tokenOf(a) })).body.success, true)
    assert.equal((await mfa(`${b}/verify`, { token: await tokenOf(b) })).body.success, true)
  })

  it('token_length and allow_alphas shape the token, and a token is checked as typed, case aside', async () => {
    const digits = await requested({ to: '+12015550173', token_length: 10 })
    assert.match(await tokenOf(digits), /^\d{10}$/)
    const alphas = await requested({ to: '+12015550173', token_length: 8, allow_alphas: true })
    const token = await tokenOf(alphas)
    assert.match(token, /^[A-Z0-9]{8}$/)
    // Over many requests (to several numbers: each number has its send limit), letters do appear (a 36-symbol alphabet; the chance of none in 8×8 symbols is negligible).
    const more = await Promise.all(Array.from({ length: 7 }, (_, i) => requested({ to: `+1201555019${i}`, token_length: 8, allow_alphas: true })))
    const all = (await Promise.all([alphas, ...more].map(tokenOf))).join('')
    assert.match(all, /[A-Z]/)
    assert.equal((await mfa(`${alphas}/verify`, { token: token.toLowerCase() })).body.success, true)
  })

  it('valid_for: the token is refused once its time has passed', async () => {
    const id = await requested({ to: '+12015550175', valid_for: 60 })
    const token = await tokenOf(id)
    t.clock.advance(61_000)
    assert.equal((await mfa(`${id}/verify`, { token })).status, 404)
  })

  it('max_attempts counts the first try: after that many wrong tokens, even the right one is 404', async () => {
    const id = await requested({ to: '+12015550176', max_attempts: 2 })
    const token = await tokenOf(id)
    assert.equal((await mfa(`${id}/verify`, { token: wrongToken(token) })).body.success, false)
    assert.equal((await mfa(`${id}/verify`, { token: wrongToken(token) })).body.success, false)
    assert.equal((await mfa(`${id}/verify`, { token })).status, 404)

    const defaults = await requested({ to: '+12015550177' })
    const right = await tokenOf(defaults)
    for (let i = 0; i < 3; i++) assert.equal((await mfa(`${defaults}/verify`, { token: wrongToken(right) })).body.success, false)
    assert.equal((await mfa(`${defaults}/verify`, { token: right })).status, 404)
  })

  it('the send limit of a number holds: 429 with Retry-After, Too Many Requests', async () => {
    for (let i = 0; i < 5; i++) await requested({ to: '+12015550182' })
    const res = await fetch(`${server.url}/api/relay/rest/mfa/sms`, {
      method: 'POST',
      headers: { Authorization: basic(PROJECT, TOKEN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: '+12015550182' }),
    })
    assert.equal(res.status, 429)
    assert.ok(Number(res.headers.get('retry-after')) > 0)
    assert.equal(((await res.json()) as { errors: Array<{ title: string }> }).errors[0]?.title, 'Too Many Requests')
  })

  it('a project sees only its own requests', async () => {
    const id = await requested({ to: '+12015550178' })
    const token = await tokenOf(id)
    assert.equal((await mfa(`${id}/verify`, { token }, basic(OTHER, OTHER_TOKEN))).status, 404)
    assert.equal((await mfa(`${id}/verify`, { token })).body.success, true)
  })

  it('401 Unauthorized without the right credentials', async () => {
    for (const auth of [basic(PROJECT, 'wrong'), basic('nobody', TOKEN), 'Bearer x', '']) {
      const res = await mfa('sms', { to: '+12015550179' }, auth)
      assert.deepEqual(res, { status: 401, body: { error: 'Unauthorized' } })
    }
  })

  it('422 Invalid Attribute, every value a string, for each bad attribute', async () => {
    const bad: Array<Record<string, unknown>> = [
      {},
      { to: 'not a number' },
      { to: '+12015550180', token_length: 3 },
      { to: '+12015550180', token_length: 21 },
      { to: '+12015550180', max_attempts: 0 },
      { to: '+12015550180', max_attempts: 21 },
      { to: '+12015550180', valid_for: 604_801 },
      { to: '+12015550180', allow_alphas: 'yes' },
      { to: '+12015550180', message: 'x'.repeat(200) },
      { to: '+12015550180', from: '+19995550000' },
    ]
    for (const body of bad) {
      const res = await mfa('sms', body)
      assert.equal(res.status, 422, JSON.stringify(body))
      const errors = res.body.errors as Array<Record<string, unknown>>
      assert.equal(errors.length, 1)
      assert.equal(errors[0]?.title, 'Invalid Attribute')
      assert.equal(errors[0]?.code, '422')
      assert.ok(Object.values(errors[0] ?? {}).every((v) => typeof v === 'string'))
    }
    assert.equal((await mfa('00000000-0000-4000-8000-000000000000/verify', {})).status, 422)
    assert.equal((await mfa('not-a-uuid/verify', { token: '123456' })).status, 404)
    assert.equal((await mfa('00000000-0000-4000-8000-000000000000/verify', { token: '123456' })).status, 404)
  })

  it('call: a new token and id on the call channel; the message may be longer than an SMS', async () => {
    const res = await mfa('call', { to: '+12015550183', message: 'x'.repeat(150) })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.channel, 'call')
    const stored = await t.store.getStored(fromUuid(String(res.body.id)) ?? '')
    assert.equal(stored?.resource.channel, 'call')
    const job = await t.callQueue.getJob(`${fromUuid(String(res.body.id)) ?? ''}-1`)
    assert.ok(job !== undefined, 'queued on the call queue')
    assert.equal((await mfa('call', { to: '+12015550183', message: 'x'.repeat(201) })).status, 422)
  })

  it('the message the caller gives is the text before the token, and is kept sealed', async () => {
    const id = await requested({ to: '+12015550181', message: 'Your Acme login code:' })
    const stored = await t.store.getStored(fromUuid(id) ?? id)
    assert.ok(stored !== undefined)
    assert.equal(stored.resource.service, t.serviceStore.builtIn.mfa.id)
  })
})
