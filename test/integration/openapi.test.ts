import { serve, type ServerType } from '@hono/node-server'
import { Validator } from '@seriousme/openapi-schema-validator'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, test } from 'vitest'
import type { Browser } from 'playwright-core'
import { buildOpenApiDocument } from '../../api/openapi/document.js'
import { EVENT_TYPES } from '../../shared/events.js'
import { docsRoutes } from '../../api/routes/docs.js'
import { checkResultSchema, errorSchema, verificationSchema } from '../../api/schemas.js'
import { assertNoProblems, launchBrowser, watchPage } from '../browser/browser.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { serviceContract } from '../helpers/contract.js'

/** The parts of the document these tests read. */
interface Operation {
  responses: Record<string, { headers?: Record<string, { $ref?: string }>; content?: Record<string, { examples?: Record<string, unknown> }> }>
  parameters?: Array<{ $ref?: string; name?: string; in?: string; required?: boolean }>
  security?: Array<Record<string, string[]>>
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> }
}
interface Doc {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, { required?: string[] }>; securitySchemes: Record<string, { type: string; scheme?: string }> }
}

/** Every route of API.md, written out by hand so the document cannot define its own yardstick. */
const API_MD_ROUTES = [
  ['get', '/'],
  ['get', '/request-auth'],
  ['post', '/request-auth'],
  ['get', '/validate-auth'],
  ['post', '/validate-auth'],
  ['post', '/v1/verifications'],
  ['post', '/v1/verifications/check'],
  ['get', '/v1/verifications/{id}'],
  ['post', '/v1/verifications/{id}/cancel'],
  ['get', '/healthz'],
  ['get', '/readyz'],
  // The second round's: Twilio Verify v2 and SignalWire MFA.
  ['post', '/v2/Services'],
  ['get', '/v2/Services'],
  ['get', '/v2/Services/{ServiceSid}'],
  ['post', '/v2/Services/{ServiceSid}'],
  ['delete', '/v2/Services/{ServiceSid}'],
  ['post', '/v2/Services/{ServiceSid}/Verifications'],
  ['get', '/v2/Services/{ServiceSid}/Verifications/{Sid}'],
  ['post', '/v2/Services/{ServiceSid}/Verifications/{Sid}'],
  ['post', '/v2/Services/{ServiceSid}/VerificationCheck'],
  ['post', '/v2/Services/{ServiceSid}/RateLimits'],
  ['get', '/v2/Services/{ServiceSid}/RateLimits'],
  ['get', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}'],
  ['post', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}'],
  ['delete', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}'],
  ['post', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets'],
  ['get', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets'],
  ['get', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets/{Sid}'],
  ['post', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets/{Sid}'],
  ['delete', '/v2/Services/{ServiceSid}/RateLimits/{RateLimitSid}/Buckets/{Sid}'],
  ['post', '/api/relay/rest/mfa/sms'],
  ['post', '/api/relay/rest/mfa/call'],
  ['post', '/api/relay/rest/mfa/{id}/verify'],
] as const
const PUBLIC_ONLY = new Set(['/', '/request-auth', '/validate-auth'])

/** API.md's statuses per call: its table, plus "any call may answer 400 invalid_request and 503 unavailable", plus 401. */
const API_MD_V1_STATUSES: Record<string, readonly string[]> = {
  'post /v1/verifications': ['201', '200', '400', '401', '403', '429', '503'],
  'post /v1/verifications/check': ['200', '400', '401', '404', '409', '503'],
  'get /v1/verifications/{id}': ['200', '400', '401', '404', '503'],
  'post /v1/verifications/{id}/cancel': ['200', '400', '401', '404', '409', '503'],
}
const API_MD_FORM_STATUSES: Record<string, readonly string[]> = {
  '/request-auth': ['200', '400', '403', '429', '503'],
  '/validate-auth': ['200', '400', '403', '429'],
}

/** Routes the document leaves out on purpose: static files, the docs themselves, development helpers. */
const UNDOCUMENTED = /^\/(assets\/|docs|openapi\.json$|dev\/)/

function roundTrip(publicRoutes: boolean): Doc {
  return JSON.parse(JSON.stringify(buildOpenApiDocument({ publicRoutes }))) as Doc
}

function operation(doc: Doc, method: string, path: string): Operation {
  const op = doc.paths[path]?.[method]
  assert.ok(op, `${method.toUpperCase()} ${path} is documented`)
  return op
}

function operationsOf(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort()
}

/** The app's own routes, as OpenAPI paths: middleware (ALL) and undocumented files left out. */
function routesOf(app: TestApp['app']): string[] {
  const seen = new Set<string>()
  for (const r of app.routes) {
    if (r.method === 'ALL' || UNDOCUMENTED.test(r.path)) continue
    seen.add(`${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
  }
  return [...seen].sort()
}

describe('the OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document, with and without the public routes', async () => {
    for (const publicRoutes of [true, false]) {
      const doc = roundTrip(publicRoutes)
      assert.match(doc.openapi, /^3\.1\.\d+$/)
      const result = await new Validator().validate(doc as unknown as Record<string, unknown>)
      assert.deepEqual(result, { valid: true }, `publicRoutes=${publicRoutes}`)
    }
  })

  test('the validator is not a rubber stamp: a broken document fails', async () => {
    const doc = roundTrip(true)
    const broken = { ...doc, paths: { '/x': { get: { responses: { 200: { content: {} } } } } } }
    const result = await new Validator().validate(broken)
    assert.equal(result.valid, false)
  })

  test('has every route and method of API.md; without PUBLIC_ROUTES only /v1 and health', () => {
    const full = roundTrip(true)
    for (const [method, path] of API_MD_ROUTES) operation(full, method, path)
    assert.equal(operationsOf(full).length, API_MD_ROUTES.length)

    const closed = roundTrip(false)
    const expected = API_MD_ROUTES.filter(([, path]) => !PUBLIC_ONLY.has(path)).map(([m, p]) => `${m} ${p}`)
    assert.deepEqual(operationsOf(closed), expected.sort())
  })

  test('documents each /v1 status of API.md, the bearer scheme and the headers', () => {
    const doc = roundTrip(true)
    const bearer = doc.components.securitySchemes.bearerAuth
    assert.deepEqual({ type: bearer?.type, scheme: bearer?.scheme }, { type: 'http', scheme: 'bearer' })
    for (const [key, statuses] of Object.entries(API_MD_V1_STATUSES)) {
      const [method = '', path = ''] = key.split(' ')
      const op = operation(doc, method, path)
      for (const status of statuses) assert.ok(op.responses[status], `${key} documents ${status}`)
      assert.deepEqual(op.security, [{ bearerAuth: [] }], `${key} needs the bearer key`)
      for (const [status, response] of Object.entries(op.responses)) {
        assert.ok(response.headers?.['X-Request-Id'], `${key} ${status} carries X-Request-Id`)
        if (status === '429' || status === '503') assert.ok(response.headers['Retry-After'], `${key} ${status} carries Retry-After`)
      }
    }
    const create = operation(doc, 'post', '/v1/verifications')
    const idempotency = create.parameters?.find((p) => p.name === 'Idempotency-Key')
    assert.deepEqual({ in: idempotency?.in, required: idempotency?.required }, { in: 'header', required: false })
    const unavailable = create.responses['503']?.content?.['application/json']?.examples ?? {}
    assert.deepEqual(Object.keys(unavailable).sort(), ['queue_saturated', 'unavailable'])
    assert.ok(create.responses['409']?.content?.['application/json']?.examples?.idempotency_conflict)
    assert.ok(create.responses['422']?.content?.['application/json']?.examples?.idempotency_key_reused)
  })

  test('documents the form routes: GET and POST, plain text and JSON answers', () => {
    const doc = roundTrip(true)
    for (const [path, statuses] of Object.entries(API_MD_FORM_STATUSES)) {
      for (const method of ['get', 'post']) {
        const op = operation(doc, method, path)
        assert.equal(op.security, undefined, `${method} ${path} needs no key`)
        for (const status of statuses) {
          const content = op.responses[status]?.content ?? {}
          assert.deepEqual(Object.keys(content).sort(), ['application/json', 'text/plain'], `${method} ${path} ${status}`)
        }
      }
      const get = operation(doc, 'get', path)
      assert.ok(get.parameters?.some((p) => p.in === 'query' && p.name === 'number'), `GET ${path} takes number in the query`)
      const post = operation(doc, 'post', path)
      assert.deepEqual(Object.keys(post.requestBody?.content ?? {}).sort(), ['application/json', 'application/x-www-form-urlencoded'])
    }
    assert.ok(operation(doc, 'get', '/validate-auth').parameters?.some((p) => p.name === 'auth_code'))
    assert.ok(operation(doc, 'get', '/request-auth').responses['429']?.headers?.['Retry-After'])
  })

  test('documents every webhook event the service sends, signed, with the Verification as its data', () => {
    const doc = JSON.parse(JSON.stringify(buildOpenApiDocument({ publicRoutes: true }))) as { webhooks?: Record<string, { post?: { parameters?: Array<{ name: string }> } }> }
    assert.deepEqual(Object.keys(doc.webhooks ?? {}).sort(), [...EVENT_TYPES].sort())
    for (const [type, hook] of Object.entries(doc.webhooks ?? {})) {
      assert.deepEqual((hook.post?.parameters ?? []).map((p) => p.name).sort(), ['webhook-id', 'webhook-signature', 'webhook-timestamp'], type)
    }
  })

  test('the request body of POST /v1/verifications requires `to`, from the schema that validates it', () => {
    const doc = roundTrip(true)
    const body = operation(doc, 'post', '/v1/verifications').requestBody
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      const ref = body?.content[type]?.schema.$ref ?? ''
      const name = /^#\/components\/schemas\/(\w+)$/.exec(ref)?.[1] ?? ''
      assert.ok(doc.components.schemas[name]?.required?.includes('to'), `${type} body requires to`)
    }
    const check = operation(doc, 'post', '/v1/verifications/check').requestBody?.content['application/json']?.schema.$ref ?? ''
    assert.deepEqual(doc.components.schemas[check.split('/').pop() ?? '']?.required, ['code'])
  })
})

describe('the document and the app agree', () => {
  const apps: TestApp[] = []
  afterAll(async () => {
    for (const t of apps) await t.close()
  })

  test('every route the app serves is documented, and nothing else (PUBLIC_ROUTES on and off)', async () => {
    for (const publicRoutes of [true, false]) {
      const t = await buildTestApp({ PUBLIC_ROUTES: String(publicRoutes) })
      apps.push(t)
      assert.deepEqual(routesOf(t.app), operationsOf(roundTrip(publicRoutes)), `PUBLIC_ROUTES=${publicRoutes}`)
    }
  })

  test('real answers have the documented status and schema', async () => {
    const t = await buildTestApp()
    apps.push(t)
    const doc = roundTrip(true)
    const documented = (method: string, path: string, res: Response): void => {
      assert.ok(operation(doc, method, path).responses[String(res.status)], `${method} ${path} answered ${res.status}, which is documented`)
    }

    const created = await t.v1('POST', '/v1/verifications', { to: '+12015550177' })
    documented('post', '/v1/verifications', created)
    const v = verificationSchema.parse(await created.json())

    const checked = await t.v1('POST', '/v1/verifications/check', { id: v.id, code: (await t.codeOf(v.id)) === '000000' ? '111111' : '000000' })
    documented('post', '/v1/verifications/check', checked)
    assert.equal(checkResultSchema.parse(await checked.json()).valid, false)

    const got = await t.v1('GET', `/v1/verifications/${v.id}`)
    documented('get', '/v1/verifications/{id}', got)
    verificationSchema.parse(await got.json())

    const canceled = await t.v1('POST', `/v1/verifications/${v.id}/cancel`)
    documented('post', '/v1/verifications/{id}/cancel', canceled)
    assert.equal(verificationSchema.parse(await canceled.json()).status, 'canceled')

    const again = await t.v1('POST', `/v1/verifications/${v.id}/cancel`)
    assert.equal(again.status, 409)
    documented('post', '/v1/verifications/{id}/cancel', again)
    assert.equal(errorSchema.parse(await again.json()).error.code, 'not_pending')

    const missing = await t.v1('POST', '/v1/verifications', {})
    assert.equal(missing.status, 400)
    documented('post', '/v1/verifications', missing)
    errorSchema.parse(await missing.json())
  })

  // Every in-process request of the suites (t.v1, postForm, the fuzz test) is held to the contract; here it is
  // shown to catch what it must: an undeclared status, an error code its status does not declare.
  test('the contract check catches an answer the route does not declare', () => {
    const err = (code: string) => ({ error: { code, message: 'x', requestId: 'r' } })
    assert.equal(serviceContract.problem('POST', '/v1/verifications/check', 404, err('not_found')), undefined)
    assert.match(serviceContract.problem('POST', '/v1/verifications/check', 403, err('country_not_allowed')) ?? '', /does not declare/)
    assert.match(serviceContract.problem('GET', '/v1/verifications/ver_x', 409, err('not_pending')) ?? '', /does not declare/)
    assert.match(serviceContract.problem('POST', '/v1/verifications', 409, err('not_pending')) ?? '', /declares idempotency_conflict/)
    assert.match(serviceContract.problem('POST', '/validate-auth', 403, err('country_not_allowed')) ?? '', /declares forbidden/)
    assert.equal(serviceContract.problem('POST', '/validate-auth', 403, err('forbidden')), undefined)
  })
})

describe('/openapi.json and /docs', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
    // The lead mounts these in createApp; mounting again here is harmless (the first match answers).
    t.app.route('/', docsRoutes({ publicRoutes: true }))
  })
  afterAll(async () => t.close())

  test('/openapi.json is the document, as JSON', async () => {
    const res = await t.app.request('/openapi.json')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.ok(res.headers.get('x-request-id'))
    assert.deepEqual(await res.json(), roundTrip(true))
  })

  test('/docs is HTML that loads Swagger UI from local files, with no inline script', async () => {
    const res = await t.app.request('/docs')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    const html = await res.text()
    for (const asset of ['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/docs-init.js']) {
      assert.ok(html.includes(`"${asset}"`), `the page references ${asset}`)
    }
    assert.doesNotMatch(html, /https?:\/\//, 'no remote URL')
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file')

    // Swagger UI runs under the app's strict policy: scripts and styles from files only, icons as data: images.
    const csp = res.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self';/)
    assert.match(csp, /style-src 'self';/)
    assert.match(csp, /img-src 'self' data:;/)
    assert.doesNotMatch(csp, /unsafe-/)
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
  })

  test('the assets answer 200 with their content types; unknown ones 404', async () => {
    const expected: Array<[string, RegExp, string]> = [
      ['swagger-ui.css', /^text\/css/, '.swagger-ui'],
      ['swagger-ui-bundle.js', /^text\/javascript/, 'SwaggerUIBundle'],
      ['docs-init.js', /^text\/javascript/, "url: '/openapi.json'"],
    ]
    for (const [file, type, marker] of expected) {
      const res = await t.app.request(`/docs/assets/${file}`)
      assert.equal(res.status, 200, file)
      assert.match(res.headers.get('content-type') ?? '', type, file)
      assert.ok((await res.text()).includes(marker), `${file} is the real file`)
    }
    const icon = await t.app.request('/docs/assets/favicon-32x32.png')
    assert.equal(icon.headers.get('content-type'), 'image/png')
    assert.deepEqual([...new Uint8Array(await icon.arrayBuffer()).subarray(1, 4)], [0x50, 0x4e, 0x47])

    for (const path of ['/docs/assets/index.html', '/docs/assets/..%2Fpackage.json', '/docs/assets/']) {
      assert.equal((await t.app.request(path)).status, 404, path)
    }
  })
})

/** The same browser test/browser/browser.ts launches. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

describe.skipIf(!existsSync(CHROMIUM))('/docs in a real browser (skipped when Chromium is not installed)', () => {
  let t: TestApp | undefined
  let server: ServerType | undefined
  let browser: Browser | undefined
  let origin = ''

  beforeAll(async () => {
    const app = (t = await buildTestApp()).app
    app.route('/', docsRoutes({ publicRoutes: true }))
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    server = s
    await new Promise<void>((resolve) => s.once('listening', resolve))
    origin = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    const s = server
    if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()))
    await t?.close()
  })

  test('renders every operation with no console error and no request leaving the machine', { timeout: 120_000 }, async () => {
    assert.ok(browser)
    const page = await browser.newPage()
    // The machine is shared and Swagger UI is heavy: generous per-step limits, still bounded by the test's.
    page.setDefaultTimeout(30_000)
    const problems = watchPage(page)
    const foreign: string[] = []
    page.on('request', (req) => {
      if (!req.url().startsWith(origin) && !req.url().startsWith('data:')) foreign.push(req.url())
    })

    const res = await page.goto(`${origin}/docs`)
    assert.equal(res?.status(), 200)
    await page.locator('.opblock-summary-path', { hasText: '/v1/verifications/check' }).first().waitFor()
    const paths = await page.locator('.opblock-summary-path').allTextContents()
    for (const [method, path] of API_MD_ROUTES) {
      assert.ok(paths.some((p) => p.replace(/\u200b/g, '') === path), `${method.toUpperCase()} ${path} is shown`)
    }
    assert.ok(await page.getByText('sms-two-factor-auth', { exact: false }).first().isVisible())

    // Open and use the richest parts, so a policy violation in examples, models or answers shows up as an error.
    for (const id of ['Verifications-createVerification', 'Form_routes-requestAuthPost']) {
      await page.locator(`#operations-${id} .opblock-summary-control`).click()
      await page.locator(`#operations-${id} .responses-table`).first().waitFor()
    }
    await page.locator('button.authorize').first().click()
    await page.locator('.auth-container input').first().fill('a-key')
    await page.locator('.modal-ux button.btn-done', { hasText: 'Close' }).first().click()
    const health = page.locator('#operations-Health-health')
    await health.locator('.opblock-summary-control').click()
    await health.locator('button.try-out__btn').click()
    await health.locator('button.execute').click()
    await health.locator('.live-responses-table .response-col_status', { hasText: '200' }).first().waitFor()

    assertNoProblems(problems)
    assert.deepEqual(foreign, [], 'requests that left the machine')
    await page.close()
  })
})
