import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import fc from 'fast-check'
import { buildTestApp, TEST_API_KEY, type TestApp } from '../helpers/app.js'
import { serviceContract } from '../helpers/contract.js'

const TWILIO_ACCOUNT = `AC${'0f'.repeat(16)}`
const TWILIO_TOKEN = 'fuzz-twilio-token'
const MFA_PROJECT = 'fuzz-project'
const MFA_TOKEN = 'fuzz-mfa-token'
/** Replaced in each request by the sids of a service, a rate limit and a verification the test made. */
const VA = '{VA}'
const RK = '{RK}'
const VE = '{VE}'

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)
/** Fixed by default so a CI failure can be replayed; FUZZ_SEED=random (or a number) to explore. */
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() : Number(process.env.FUZZ_SEED ?? 20261128)

const paths = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(
    '/',
    '/request-auth',
    '/validate-auth',
    '/v1/verifications',
    '/v1/verifications/check',
    '/v1/verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    '/v1/verifications/ver_aaaaaaaaaaaaaaaaaaaaaaaaaa/cancel',
    '/healthz',
    '/readyz',
    '/assets/demo.js',
  ) },
  { weight: 6, arbitrary: fc.constantFrom(
    '/v2/Services',
    `/v2/Services/${VA}`,
    `/v2/Services/${VA}/Verifications`,
    `/v2/Services/${VA}/Verifications/${VE}`,
    `/v2/Services/${VA}/VerificationCheck`,
    `/v2/Services/${VA}/RateLimits`,
    `/v2/Services/${VA}/RateLimits/${RK}`,
    `/v2/Services/${VA}/RateLimits/${RK}/Buckets`,
    '/api/relay/rest/mfa/sms',
    '/api/relay/rest/mfa/call',
    '/api/relay/rest/mfa/00000000-0000-4000-8000-000000000000/verify',
  ) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/v2/Services/${encodeURIComponent(s)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/api/relay/rest/mfa/${encodeURIComponent(s)}/verify`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/${encodeURIComponent(s)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/v1/verifications/${encodeURIComponent(s)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/v1/verifications/${encodeURIComponent(s)}/cancel`) },
)

const phoneish = fc.oneof(
  fc.constantFrom('+12015550123', '12015550123', '+1 (201) 555-0123', '+19005550123', '+33612345678', '+15551234567', '00447700900123', ''),
  fc.stringMatching(/^\+?[0-9 ().-]{0,24}$/),
  fc.string({ maxLength: 60, unit: 'grapheme' }),
)
const codeish = fc.oneof(fc.stringMatching(/^[0-9 -]{0,12}$/), fc.string({ maxLength: 30, unit: 'grapheme' }), fc.integer().map(String))
const value = fc.oneof(
  { weight: 5, arbitrary: fc.oneof(phoneish, codeish) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 9999 }).map((n) => `+1201555${String(n).padStart(4, '0')}`) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
)
/** Well-formed bodies too, so the generator reaches the success paths and not only the refusals. */
const wellFormed = fc.oneof(
  fc.record({ to: fc.integer({ min: 0, max: 9999 }).map((n) => `+1201555${String(n).padStart(4, '0')}`) }),
  fc.record({ number: fc.integer({ min: 0, max: 9999 }).map((n) => `+1201555${String(n).padStart(4, '0')}`) }),
  fc.record({ To: fc.integer({ min: 0, max: 9999 }).map((n) => `+1201555${String(n).padStart(4, '0')}`), Channel: fc.constantFrom('sms', 'call', 'email') }),
  fc.record({ FriendlyName: fc.string({ maxLength: 40 }), CodeLength: fc.integer({ min: 0, max: 12 }).map(String) }),
  fc.record({ to: fc.integer({ min: 0, max: 9999 }).map((n) => `+1201555${String(n).padStart(4, '0')}`), token_length: fc.integer({ min: 0, max: 30 }), allow_alphas: fc.boolean() }),
)
const randomFields = fc.dictionary(
  fc.oneof(
    fc.constantFrom('to', 'number', 'auth_code', 'code', 'id', 'channel', '__proto__', 'constructor'),
    fc.constantFrom('To', 'Channel', 'Code', 'VerificationSid', 'Status', 'Locale', 'CustomCode', 'RateLimits', 'FriendlyName', 'CodeLength', 'UniqueName', 'Max', 'Interval'),
    fc.constantFrom('token', 'token_length', 'max_attempts', 'valid_for', 'allow_alphas', 'message', 'from'),
    fc.string({ maxLength: 12 }),
  ),
  value,
  { maxKeys: 5 },
)
const fields = fc.oneof({ weight: 3, arbitrary: randomFields }, { weight: 1, arbitrary: wellFormed })

const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH'),
  path: paths,
  query: fc.option(fields, { nil: undefined }),
  body: fc.oneof(
    fields.map((f) => ({ kind: 'json' as const, f })),
    fields.map((f) => ({ kind: 'form' as const, f })),
    fc.string({ maxLength: 200 }).map((s) => ({ kind: 'raw' as const, s })),
    fc.constant({ kind: 'none' as const }),
  ),
  contentType: fc.option(
    fc.constantFrom('match', 'match', 'match', 'application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data', 'application/json; charset=utf-8', 'weird/∞', ''),
    { nil: undefined },
  ),
  auth: fc.constantFrom('valid', 'valid', 'valid', 'wrong', 'none', 'garbage'),
  accept: fc.constantFrom(undefined, 'application/json', 'text/html', '*/*', '\u0000'),
  forwardedFor: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
  idempotencyKey: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
  requestId: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
})

type Req = typeof request extends fc.Arbitrary<infer R> ? R : never

function toStrings(f: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? '']))
}

/** Header values the Fetch API refuses would fail in the client, not the server: drop them. */
function header(value: string | undefined): string | undefined {
  return value !== undefined && /^[\t\x20-\x7e\x80-\xff]*$/.test(value) ? value : undefined
}

function build(r: Req, sids: { readonly VA: string; readonly RK: string; readonly VE: string }): Request {
  const path = r.path.replace(VA, sids.VA).replace(RK, sids.RK).replace(VE, sids.VE)
  const query = r.query === undefined ? '' : `?${new URLSearchParams(toStrings(r.query)).toString()}`
  const headers = new Headers()
  const set = (name: string, v: string | undefined) => {
    const safe = header(v)
    if (safe !== undefined) headers.set(name, safe)
  }
  const basic = (user: string, secret: string): string => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`
  const valid = path.startsWith('/v2') ? basic(TWILIO_ACCOUNT, TWILIO_TOKEN) : path.startsWith('/api/relay/rest/mfa') ? basic(MFA_PROJECT, MFA_TOKEN) : `Bearer ${TEST_API_KEY}`
  if (r.auth === 'valid') set('Authorization', valid)
  if (r.auth === 'wrong') set('Authorization', 'Bearer wrong-key')
  if (r.auth === 'garbage') set('Authorization', 'Basic ::::')
  const matching = r.body.kind === 'json' ? 'application/json' : r.body.kind === 'form' ? 'application/x-www-form-urlencoded' : undefined
  set('Content-Type', r.contentType === 'match' ? matching : r.contentType)
  set('Accept', r.accept)
  set('X-Forwarded-For', r.forwardedFor)
  set('Idempotency-Key', r.idempotencyKey)
  set('X-Request-Id', r.requestId)
  let body: string | undefined
  switch (r.body.kind) {
    case 'json':
      body = JSON.stringify(r.body.f)
      break
    case 'form':
      body = new URLSearchParams(toStrings(r.body.f)).toString()
      break
    case 'raw':
      body = r.body.s
      break
    case 'none':
      body = undefined
  }
  const canHaveBody = r.method !== 'GET' && r.method !== 'HEAD'
  return new Request(`http://localhost${path}${query}`, { method: r.method, headers, ...(canHaveBody && body !== undefined ? { body } : {}) })
}

describe('property: no input produces a 5xx', () => {
  let t: TestApp
  let sids: { VA: string; RK: string; VE: string }
  beforeAll(async () => {
    t = await buildTestApp({
      TRUST_PROXY: 'true',
      IP_SENDS_PER_HOUR: '1000000',
      MAX_SENDS_PER_WINDOW: '1000000',
      RESEND_COOLDOWN_SECONDS: '0',
      TWILIO_COMPAT_CREDENTIALS: `${TWILIO_ACCOUNT}:${TWILIO_TOKEN}`,
      SIGNALWIRE_MFA_CREDENTIALS: `${MFA_PROJECT}:${MFA_TOKEN}`,
    })
    const auth = { Authorization: `Basic ${Buffer.from(`${TWILIO_ACCOUNT}:${TWILIO_TOKEN}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' }
    const post = async (path: string, fields: Record<string, string>): Promise<string> => {
      const res = await t.app.request(path, { method: 'POST', headers: auth, body: new URLSearchParams(fields).toString() })
      assert.equal(res.status, 201)
      return String(((await res.json()) as { sid: string }).sid)
    }
    const service = await post('/v2/Services', { FriendlyName: 'Fuzz' })
    sids = {
      VA: service,
      RK: await post(`/v2/Services/${service}/RateLimits`, { UniqueName: 'end_user_ip_address' }),
      VE: await post(`/v2/Services/${service}/Verifications`, { To: '+12015559999', Channel: 'sms' }),
    }
  })
  afterAll(async () => t.close())

  test(`${RUNS} random requests on every route answer below 500, with the security headers, as the OpenAPI document declares`, async () => {
    const seen = new Map<number, number>()
    const v2Seen = new Set<number>()
    const mfaSeen = new Set<number>()
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const req = build(r, sids)
        const res = await t.app.fetch(req)
        const text = await res.text()
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1)
        const surface = r.path.startsWith('/v2') ? v2Seen : r.path.startsWith('/api/relay') ? mfaSeen : undefined
        surface?.add(res.status)
        // HEAD answers carry the GET's headers and no body.
        const body: unknown = r.method !== 'HEAD' && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : undefined
        const broken = r.method === 'HEAD' ? undefined : serviceContract.problem(r.method, req.url, res.status, body)
        assert.equal(broken, undefined, broken)
        return res.status < 500 && res.headers.get('x-content-type-options') === 'nosniff'
      }),
      { numRuns: RUNS, seed: SEED },
    )
    // The generator reached the interesting answers, not just 404s.
    for (const status of [200, 201, 400, 401, 403, 404, 415]) assert.ok((seen.get(status) ?? 0) > 0, `no ${status} among ${JSON.stringify([...seen])}`)
    for (const status of [200, 201, 400, 401, 404]) assert.ok(v2Seen.has(status), `/v2: no ${status} among ${[...v2Seen].join(', ')}`)
    for (const status of [200, 401, 404, 422]) assert.ok(mfaSeen.has(status), `MFA: no ${status} among ${[...mfaSeen].join(', ')}`)
  })
})
