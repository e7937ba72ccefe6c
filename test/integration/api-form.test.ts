import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { buildTestApp, postForm, type TestApp } from '../helpers/app.js'

const NUMBER = '+12015550123'

describe('form routes (the guide interface)', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0' })
  })
  afterAll(async () => t.close())

  async function latestId(number: string): Promise<string> {
    const id = await t.store.latestIdFor(number, t.serviceStore.builtIn.public)
    assert.ok(id, 'a verification exists for the number')
    return id
  }

  test('request, then the right code: 200 "Success!"; reused: 403', async () => {
    const res = await postForm(t.app, '/request-auth', { number: '+1 (201) 555-0123' })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'Your code was sent')
    const code = await t.codeOf(await latestId(NUMBER))

    const wrong = await postForm(t.app, '/validate-auth', { number: NUMBER, auth_code: code === '000000' ? '111111' : '000000' })
    assert.equal(wrong.status, 403)
    assert.equal(await wrong.text(), 'Forbidden')

    const ok = await postForm(t.app, '/validate-auth', { number: '12015550123', auth_code: `${code.slice(0, 3)} ${code.slice(3)}` })
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), 'Success!')

    const reused = await postForm(t.app, '/validate-auth', { number: NUMBER, auth_code: code })
    assert.equal(reused.status, 403)
  })

  test('channel=call queues a call (the demo page\'s "Call me instead"); another channel is 400 Bad Request', async () => {
    const number = '+12015550129'
    const res = await postForm(t.app, '/request-auth', { number, channel: 'call' })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'Your code was sent')
    const id = await latestId(number)
    assert.equal((await t.store.get(id))?.channel, 'call')
    assert.ok((await t.callQueue.getJob(`${id}-1`)) !== undefined, 'on the call queue')
    assert.equal(await t.queue.getJob(`${id}-1`), undefined, 'not on the SMS queue')
    const bad = await postForm(t.app, '/request-auth', { number: '+12015550130', channel: 'fax' })
    assert.equal(bad.status, 400)
    assert.equal(await bad.text(), 'Bad Request')
  })

  test('one job is queued per send, carrying no number and no code', async () => {
    const number = '+12015550124'
    await postForm(t.app, '/request-auth', { number })
    const id = await latestId(number)
    const job = await t.queue.getJob(`${id}-1`)
    assert.ok(job, 'job queued')
    const code = await t.codeOf(id)
    const data = JSON.stringify(job.data)
    assert.ok(!data.includes(code), 'no code in job data')
    assert.ok(!data.includes('2015550124'), 'no number in job data')
    assert.deepEqual(Object.keys(job.data).sort(), ['attempt', 'id', 'queuedAt', 'requestId'])
  })

  test('GET with the query string works, as the Python guide sends it', async () => {
    const number = '12015550125'
    const res = await t.app.request(`/request-auth?number=${number}`)
    assert.equal(res.status, 200)
    const code = await t.codeOf(await latestId('+12015550125'))
    const ok = await t.app.request(`/validate-auth?number=${number}&auth_code=${code}`)
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), 'Success!')
  })

  test('JSON body; the body wins over the query string', async () => {
    const res = await t.app.request('/request-auth?number=garbage', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ number: '+12015550126' }),
    })
    assert.equal(res.status, 200)
    assert.ok(await t.store.latestIdFor('+12015550126', t.serviceStore.builtIn.public))
  })

  test('a resend while pending carries the same code and keeps the expiry', async () => {
    const number = '+12015550127'
    await postForm(t.app, '/request-auth', { number })
    const id = await latestId(number)
    const first = await t.store.get(id)
    const code = await t.codeOf(id)
    t.clock.advance(1_000)
    const again = await postForm(t.app, '/request-auth', { number })
    assert.equal(again.status, 200)
    assert.equal(await latestId(number), id, 'same verification')
    assert.equal(await t.codeOf(id), code, 'same code')
    const second = await t.store.get(id)
    assert.equal(second?.sendAttempts, 2)
    assert.equal(second?.expiresAt, first?.expiresAt)
    assert.ok(await t.queue.getJob(`${id}-2`), 'a second job for the second send')
  })

  test('invalid numbers: 400 "Invalid Phone Number"', async () => {
    for (const number of ['', '+15551234567', 'abc', '+1 201 555 O123', '١٢٠١٥٥٥٠١٢٣']) {
      const res = await postForm(t.app, '/request-auth', { number })
      assert.equal(res.status, 400, number)
      assert.equal(await res.text(), 'Invalid Phone Number')
    }
    const v = await postForm(t.app, '/validate-auth', { number: '+15551234567', auth_code: '123456' })
    assert.equal(v.status, 400)
  })

  test('malformed, unknown and missing codes: 403 and no attempt spent', async () => {
    const number = '+12015550128'
    await postForm(t.app, '/request-auth', { number })
    const id = await latestId(number)
    for (const auth_code of ['', '12345', '1234567', 'abcdef', '12 34 5x']) {
      const res = await postForm(t.app, '/validate-auth', { number, auth_code })
      assert.equal(res.status, 403, auth_code)
    }
    assert.equal((await t.store.get(id))?.checkAttempts, 0, 'malformed codes spend no attempt')
    const unknown = await postForm(t.app, '/validate-auth', { number: '+12015550199', auth_code: '123456' })
    assert.equal(unknown.status, 403)
  })

  test('attempt limit: the 5th wrong try is 403, then 429 even for the right code', async () => {
    const number = '+12015550129'
    await postForm(t.app, '/request-auth', { number })
    const code = await t.codeOf(await latestId(number))
    const wrong = code === '999999' ? '000000' : String((Number(code) + 1) % 1_000_000).padStart(6, '0')
    for (let i = 1; i <= 5; i++) {
      const res = await postForm(t.app, '/validate-auth', { number, auth_code: wrong })
      assert.equal(res.status, 403, `wrong try ${i}`)
    }
    const right = await postForm(t.app, '/validate-auth', { number, auth_code: code })
    assert.equal(right.status, 429)
    assert.equal(await right.text(), 'Too Many Requests')
  })

  test('expiry: the right code after CODE_TTL_SECONDS is 403', async () => {
    const number = '+12015550130'
    await postForm(t.app, '/request-auth', { number })
    const id = await latestId(number)
    const code = await t.codeOf(id)
    t.clock.advance(t.config.codes.ttlSeconds * 1000)
    const res = await postForm(t.app, '/validate-auth', { number, auth_code: code })
    assert.equal(res.status, 403)
    assert.equal((await t.store.get(id))?.status, 'expired')
  })

  test('Accept: application/json gives { message } and the error envelope', async () => {
    const ok = await postForm(t.app, '/request-auth', { number: '+12015550131' }, { Accept: 'application/json' })
    assert.equal(ok.status, 200)
    assert.deepEqual(await ok.json(), { message: 'Your code was sent' })
    const bad = await postForm(t.app, '/request-auth', { number: 'nope' }, { Accept: 'application/json' })
    assert.equal(bad.status, 400)
    const body = (await bad.json()) as { error: { code: string; message: string; requestId: string } }
    assert.equal(body.error.code, 'invalid_phone_number')
    assert.equal(body.error.requestId, bad.headers.get('x-request-id'))
  })

  test('a browser form post without JavaScript gets the page back with the answer', async () => {
    const res = await postForm(t.app, '/request-auth', { number: '+12015550132' }, { Accept: 'text/html,application/xhtml+xml' })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/html/)
    const html = await res.text()
    assert.match(html, /Your code was sent/)
    assert.match(html, /action="\/validate-auth"/)
  })

  test('the demo page has both forms', async () => {
    const res = await t.app.request('/')
    assert.equal(res.status, 200)
    const html = await res.text()
    assert.match(html, /<form[^>]+action="\/request-auth"/)
    assert.match(html, /<form[^>]+action="\/validate-auth"/)
    assert.match(html, /name="auth_code"/)
  })

  test('a sane X-Request-Id is echoed, a hostile one replaced', async () => {
    const echoed = await t.app.request('/healthz', { headers: { 'X-Request-Id': 'abc-123' } })
    assert.equal(echoed.headers.get('x-request-id'), 'abc-123')
    const replaced = await t.app.request('/healthz', { headers: { 'X-Request-Id': 'a b<script>' } })
    assert.match(replaced.headers.get('x-request-id') ?? '', /^req_[a-z0-9]+$/)
  })
})

describe('PUBLIC_ROUTES=false', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ PUBLIC_ROUTES: 'false' })
  })
  afterAll(async () => t.close())

  test('the page and the form routes answer 404', async () => {
    for (const path of ['/', '/request-auth', '/validate-auth']) {
      const res = await t.app.request(path)
      assert.equal(res.status, 404, path)
    }
    const health = await t.app.request('/healthz')
    assert.equal(health.status, 200)
  })
})
