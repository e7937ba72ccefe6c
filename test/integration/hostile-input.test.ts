import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { serve } from '@hono/node-server'
import { buildTestApp, postForm, TEST_API_KEY, type TestApp } from '../helpers/app.js'
import type { Verification } from '../../shared/verification.js'

const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy']

describe('hostile input', () => {
  let t: TestApp
  let v: Verification
  beforeAll(async () => {
    t = await buildTestApp({ RESEND_COOLDOWN_SECONDS: '0', MAX_FAILED_CHECKS_PER_DAY: '0', MAX_CHECK_ATTEMPTS: '100' })
    v = (await (await t.v1('POST', '/v1/verifications', { to: '+12015550701' })).json()) as Verification
  })
  afterAll(async () => t.close())

  const raw = (path: string, body: string, contentType: string | undefined, extra: Record<string, string> = {}) =>
    t.app.request(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, ...(contentType === undefined ? {} : { 'Content-Type': contentType }), ...extra },
      body,
    })

  test('bodies over 16 KB: 413', async () => {
    const big = JSON.stringify({ to: '+12015550701', pad: 'x'.repeat(17 * 1024) })
    const res = await raw('/v1/verifications', big, 'application/json')
    assert.equal(res.status, 413)
    assert.equal((await postForm(t.app, '/request-auth', { number: 'x'.repeat(17 * 1024) })).status, 413)
  })

  test('over a real socket: the stated length decides, and a chunked body is counted as it streams', async () => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    const port = (server.address() as AddressInfo).port
    // chunks: written one by one with no Content-Length, so Node sends Transfer-Encoding: chunked
    const send = (chunks: string[], stated: boolean) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const total = chunks.reduce((n, c) => n + Buffer.byteLength(c), 0)
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/verifications',
            headers: {
              Authorization: `Bearer ${TEST_API_KEY}`,
              'Content-Type': 'application/json',
              ...(stated ? { 'Content-Length': String(total) } : {}),
            },
          },
          (res) => {
            let body = ''
            res.setEncoding('utf8')
            res.on('data', (d: string) => (body += d))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
          },
        )
        req.on('error', reject)
        for (const chunk of chunks) req.write(chunk)
        req.end()
      })
    try {
      const pad = 'x'.repeat(9 * 1024)
      const big = [`{"to":"+12015550702","a":"${pad}",`, `"b":"${pad}"}`]
      const stated = await send(big, true)
      assert.equal(stated.status, 413, stated.body)
      assert.equal((JSON.parse(stated.body) as { error: { code: string } }).error.code, 'payload_too_large')
      assert.equal((await send(big, false)).status, 413)
      assert.equal((await send(['{"to":"+1201555', '0703"}'], false)).status, 201)
      assert.equal((await send(['{"to":"+12015550704"}'], true)).status, 201)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  test('over a real socket, headers come from Node: request id, key, content type, idempotency key', async () => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/verifications`
    const post = (headers: Record<string, string>, body = '{"to":"+12015550705"}') =>
      fetch(url, { method: 'POST', headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json', ...headers }, body })
    try {
      const first = await post({ 'X-Request-Id': 'abc-123', 'Idempotency-Key': 'socket-key-1' })
      assert.equal(first.status, 201)
      assert.equal(first.headers.get('x-request-id'), 'abc-123')
      const replay = await post({ 'X-Request-Id': 'a b<script>', 'Idempotency-Key': 'socket-key-1' })
      assert.equal(replay.headers.get('idempotent-replayed'), 'true')
      assert.equal(((await replay.json()) as Verification).id, ((await first.json()) as Verification).id)
      assert.match(replay.headers.get('x-request-id') ?? '', /^req_/)
      const unauthorized = await post({ Authorization: 'Bearer wrong-key' })
      assert.equal(unauthorized.status, 401)
      const unsupported = await post({ 'Content-Type': 'text/plain' })
      assert.equal(unsupported.status, 415)
      for (const res of [first, replay, unauthorized, unsupported]) {
        for (const name of SECURITY_HEADERS) assert.ok(res.headers.get(name), `${name} on a ${res.status}`)
        assert.equal(res.headers.get('content-security-policy')?.startsWith("default-src 'none'"), true)
      }
      assert.match(unauthorized.headers.get('x-request-id') ?? '', /^req_/)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  test('wrong content types: 415', async () => {
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await raw('/v1/verifications', 'to=+12015550701', type)
      assert.equal(res.status, 415, type)
    }
    assert.equal((await raw('/v1/verifications', '{"to":"+12015550701"}', undefined)).status, 415)
  })

  test('malformed JSON, non-object JSON, nested values: 400', async () => {
    for (const body of ['{', '[]', '"x"', 'null', '{"to":{"a":1}}', '{"to":["+12015550701"]}']) {
      const res = await raw('/v1/verifications', body, 'application/json')
      assert.equal(res.status, 400, body)
    }
  })

  test('repeated fields are refused rather than guessed at', async () => {
    const res = await raw('/request-auth', 'number=%2B12015550701&number=%2B12015550702', 'application/x-www-form-urlencoded')
    assert.equal(res.status, 400)
    const q = await t.app.request('/request-auth?number=1&number=2')
    assert.equal(q.status, 400)
  })

  test('numbers with letters, control characters, unicode digits or huge lengths: 400', async () => {
    for (const to of ['+1201555O701', '+1201555\u00000701', '+1201555\n0701', '+１２０１５５５０７０１', '+1'.padEnd(900, '2'), '🙂']) {
      const res = await t.v1('POST', '/v1/verifications', { to })
      assert.equal(res.status, 400, JSON.stringify(to))
      const form = await postForm(t.app, '/request-auth', { number: to })
      assert.equal(form.status, 400, JSON.stringify(to))
    }
  })

  test('codes with spaces or dashes are accepted; malformed codes are 400 on /v1, 403 on the form, and spend nothing', async () => {
    const code = await t.codeOf(v.id)
    for (const bad of ['12345', '1234567', '12a456', '١٢٣٤٥٦', '123\t456', '123_456', '']) {
      assert.equal((await t.v1('POST', '/v1/verifications/check', { id: v.id, code: bad })).status, 400, JSON.stringify(bad))
      assert.equal((await postForm(t.app, '/validate-auth', { number: v.to, auth_code: bad })).status, 403, JSON.stringify(bad))
    }
    assert.equal((await t.store.get(v.id))?.checkAttempts, 0)
    const spaced = await t.v1('POST', '/v1/verifications/check', { id: v.id, code: `${code.slice(0, 3)}-${code.slice(3)}` })
    assert.equal(spaced.status, 200)
    assert.equal(((await spaced.json()) as { valid: boolean }).valid, true)
  })

  test('security headers on every response: success, client errors, not found', async () => {
    const responses = [
      await t.app.request('/'),
      await t.app.request('/healthz'),
      await t.app.request('/nope'),
      await raw('/v1/verifications', '{', 'application/json'),
      await t.app.request('/v1/verifications', { method: 'POST' }),
    ]
    for (const res of responses) {
      for (const header of SECURITY_HEADERS) assert.ok(res.headers.get(header), `${header} on a ${res.status}`)
    }
  })

  test('CORS is closed unless CORS_ORIGINS is set', async () => {
    const preflight = await t.app.request('/v1/verifications', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    })
    assert.equal(preflight.headers.get('access-control-allow-origin'), null)
    const open = await buildTestApp({ CORS_ORIGINS: 'https://app.example.com' })
    try {
      const ok = await open.app.request('/v1/verifications', {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
      })
      assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com')
      const other = await open.app.request('/v1/verifications', { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' } })
      assert.notEqual(other.headers.get('access-control-allow-origin'), 'https://evil.example')
    } finally {
      await open.close()
    }
  })

  test('no stack trace or internal detail in error bodies', async () => {
    const res = await raw('/v1/verifications', '{"to":', 'application/json')
    const text = await res.text()
    assert.ok(!/at \w+ \(|node_modules|\.ts:\d+/.test(text), text)
  })
})
