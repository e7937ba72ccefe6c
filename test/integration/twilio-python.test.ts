import assert from 'node:assert/strict'
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { fromTwilioSid } from '../../shared/ids.js'
import { buildTestApp, serveTestApp, type TestApp } from '../helpers/app.js'

/*
 * The real twilio-python client (Debian's python3-twilio, 7.x; `.ci/run` installs it), pointed here by its base URL
 * only. A small driver (twilio-python/driver.py) makes each call the test asks for and reports what the client
 * handed back, each value with its Python type; every assertion is here.
 */

const PYTHON = '/usr/bin/python3'
const DRIVER = fileURLToPath(new URL('./twilio-python/driver.py', import.meta.url))
const ACCOUNT = `AC${'d4'.repeat(16)}`
const TOKEN = 'python-client-token-0123456789'

interface Typed {
  readonly type: string
  readonly value?: unknown
  readonly iso?: string
  readonly utc?: boolean
}
type Resource = Record<string, Typed>
interface PyError {
  readonly class: string
  readonly status: number
  readonly code: number
  readonly msg: string
}
type Answer = { ok: unknown } | { error: PyError }

/** One driver process: a command per line in, an answer per line out. */
class Driver {
  private readonly answers: AsyncIterableIterator<string>
  private readonly stderr: string[] = []

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()))
  }

  async send(op: string, args: Record<string, unknown> = {}): Promise<Answer> {
    this.child.stdin.write(`${JSON.stringify({ op, args })}\n`)
    const line = await this.answers.next()
    if (line.done === true) throw new Error(`the python driver stopped: ${this.stderr.join('')}`)
    return JSON.parse(line.value) as Answer
  }

  async ok(op: string, args: Record<string, unknown> = {}): Promise<Resource> {
    const answer = await this.send(op, args)
    if ('error' in answer) assert.fail(`${op}: ${JSON.stringify(answer.error)}`)
    return answer.ok as Resource
  }

  async error(op: string, args: Record<string, unknown> = {}): Promise<PyError> {
    const answer = await this.send(op, args)
    if ('ok' in answer) assert.fail(`${op} succeeded`)
    assert.equal(answer.error.class, 'TwilioRestException', 'the exception applications catch')
    // The client words its own part before the service's message ("Unable to create record: …").
    return { ...answer.error, msg: answer.error.msg.replace(/^Unable to \w+ record: /, '') }
  }

  close(): void {
    this.child.stdin.end()
  }
}

let t: TestApp
let server: Awaited<ReturnType<typeof serveTestApp>>
let py: Driver

function driver(account: string, token: string): Driver {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', PYTHONDONTWRITEBYTECODE: '1' }
  return new Driver(spawn(PYTHON, [DRIVER, server.url, account, token], { env, stdio: 'pipe' }))
}

const value = (r: Resource, key: string): unknown => r[key]?.value
const codeOf = (sid: unknown): Promise<string> => t.codeOf(fromTwilioSid(String(sid)) ?? String(sid))
const wrong = (code: string): string => code.replace(/\d$/, (d) => String((Number(d) + 1) % 10))

function assertDate(r: Resource, key: string): void {
  const d = r[key]
  assert.equal(d?.type, 'datetime', `${key} is a datetime, not ${JSON.stringify(d)}`)
  assert.equal(d.utc, true, `${key} is in UTC`)
  assert.ok(Math.abs(Date.parse(d.iso ?? '') - t.clock.now()) < 120_000, `${key} is about now`)
}

beforeAll(async () => {
  assert.ok(existsSync(PYTHON), `${PYTHON} (Debian's python3 with python3-twilio: apt-get install -y python3-twilio)`)
  t = await buildTestApp({ TWILIO_COMPAT_CREDENTIALS: `${ACCOUNT}:${TOKEN}` })
  server = await serveTestApp(t.app)
  py = driver(ACCOUNT, TOKEN)
})
afterAll(async () => {
  py.close()
  await server.close()
  await t.close()
})

describe('twilio-python against /v2', () => {
  it('creates, fetches, updates and deletes a service; dates are datetimes', async () => {
    const created = await py.ok('service_create', { fields: { friendly_name: 'Acme Python', code_length: 7 } })
    assert.match(String(value(created, 'sid')), /^VA[0-9a-f]{32}$/)
    assert.equal(value(created, 'account_sid'), ACCOUNT)
    assert.equal(value(created, 'code_length'), 7)
    assertDate(created, 'date_created')
    assertDate(created, 'date_updated')
    const sid = value(created, 'sid')
    assert.equal(value(await py.ok('service_fetch', { sid }), 'friendly_name'), 'Acme Python')
    const updated = await py.ok('service_update', { sid, fields: { friendly_name: 'Acme Py', lookup_enabled: true } })
    assert.deepEqual([value(updated, 'friendly_name'), value(updated, 'lookup_enabled'), value(updated, 'code_length')], ['Acme Py', true, 7])
    assert.equal(await py.ok('service_delete', { sid }), true)
    const gone = await py.error('service_fetch', { sid })
    assert.deepEqual([gone.status, gone.code], [404, 20404])
  })

  it('runs a verification: start, start again (same code, two send attempts), wrong code, right code, then 20404', async () => {
    const service = String(value(await py.ok('service_create', { fields: { friendly_name: 'Acme' } }), 'sid'))
    const to = '+12015550161'
    const first = await py.ok('start', { service, fields: { to, channel: 'sms' } })
    assert.equal(value(first, 'status'), 'pending')
    assert.equal(value(first, 'valid'), false)
    assertDate(first, 'date_created')
    const sid = value(first, 'sid')
    assert.match(String(sid), /^VE[0-9a-f]{32}$/)
    const code = await codeOf(sid)

    t.clock.advance(1000)
    const again = await py.ok('start', { service, fields: { to, channel: 'sms' } })
    assert.equal(value(again, 'sid'), sid)
    assert.equal(await codeOf(sid), code)
    const attempts = value(again, 'send_code_attempts') as Array<{ channel: string; attempt_sid: string; time: string }>
    assert.equal(attempts.length, 2)
    assert.ok(attempts.every((a) => a.channel === 'sms' && /^VL[0-9a-f]{32}$/.test(a.attempt_sid) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(a.time)))

    const miss = await py.ok('check', { service, fields: { to, code: wrong(code) } })
    assert.deepEqual([value(miss, 'status'), value(miss, 'valid')], ['pending', false])
    const hit = await py.ok('check', { service, fields: { verification_sid: sid, code } })
    assert.deepEqual([value(hit, 'status'), value(hit, 'valid'), value(hit, 'sid')], ['approved', true, sid])
    assertDate(hit, 'date_updated')

    const after = await py.error('fetch', { service, sid })
    assert.deepEqual([after.status, after.code], [404, 20404])
    assert.equal(after.msg, `The requested resource /Services/${service}/Verifications/${String(sid)} was not found`)
  })

  it('cancels by update', async () => {
    const service = String(value(await py.ok('service_create', { fields: { friendly_name: 'Cancel' } }), 'sid'))
    const v = await py.ok('start', { service, fields: { to: '+12015550162', channel: 'sms' } })
    const canceled = await py.ok('update', { service, sid: value(v, 'sid'), status: 'canceled' })
    assert.equal(value(canceled, 'status'), 'canceled')
    assert.equal((await py.error('fetch', { service, sid: value(v, 'sid') })).code, 20404)
  })

  it('answers 60202 after the allowed wrong codes and 60203 after too many sends', async () => {
    const service = String(value(await py.ok('service_create', { fields: { friendly_name: 'Limits' } }), 'sid'))
    const to = '+12015550163'
    const v = await py.ok('start', { service, fields: { to, channel: 'sms' } })
    const code = await codeOf(value(v, 'sid'))
    for (let i = 0; i < 5; i++) assert.equal(value(await py.ok('check', { service, fields: { to, code: wrong(code) } }), 'valid'), false)
    const checks = await py.error('check', { service, fields: { to, code } })
    assert.deepEqual([checks.status, checks.code], [429, 60202])

    const other = '+12015550164'
    for (let i = 0; i < 5; i++) await py.ok('start', { service, fields: { to: other, channel: 'sms' } })
    const sends = await py.error('start', { service, fields: { to: other, channel: 'sms' } })
    assert.deepEqual([sends.status, sends.code, sends.msg], [429, 60203, 'Max send attempts reached'])
  })

  it('answers 60200 for a bad To and 20003 for a bad token', async () => {
    const service = String(value(await py.ok('service_create', { fields: { friendly_name: 'Params' } }), 'sid'))
    const bad = await py.error('start', { service, fields: { to: 'not a number', channel: 'sms' } })
    assert.deepEqual([bad.status, bad.code, bad.msg], [400, 60200, 'Invalid parameter: To'])
    const stranger = driver(ACCOUNT, 'wrong-token')
    try {
      // (A list call with bad credentials raises the client's TwilioException "Unable to fetch page", as against Twilio.)
      const denied = await stranger.error('service_create', { fields: { friendly_name: 'Nope' } })
      assert.deepEqual([denied.status, denied.code], [401, 20003])
    } finally {
      stranger.close()
    }
  })

  it('lists services across pages', async () => {
    const before = (await py.ok('service_list', { page_size: 50 })) as unknown as Resource[]
    // Listed oldest first: these come after every service made so far.
    t.clock.advance(1000)
    for (const name of ['L1', 'L2', 'L3']) {
      await py.ok('service_create', { fields: { friendly_name: name } })
      t.clock.advance(1000)
    }
    const page = (await py.ok('service_page', { page_size: 2 })) as unknown as { count: number; next_page_url: string | null }
    assert.equal(page.count, 2)
    assert.ok(page.next_page_url?.startsWith(`${server.url}/v2/Services?`))
    const all = (await py.ok('service_list', { page_size: 2 })) as unknown as Resource[]
    assert.equal(all.length, before.length + 3)
    assert.deepEqual(
      all.slice(-3).map((s) => value(s, 'friendly_name')),
      ['L1', 'L2', 'L3'],
    )
    assert.ok(all.every((s) => s.date_created?.type === 'datetime'))
  })

  it('enforces a rate limit with a bucket (RateLimits sent as JSON with spaces)', async () => {
    const service = String(value(await py.ok('service_create', { fields: { friendly_name: 'Buckets' } }), 'sid'))
    const limit = await py.ok('rate_limit_create', { service, fields: { unique_name: 'end_user_id' } })
    const bucket = await py.ok('bucket_create', { service, rate_limit: value(limit, 'sid'), fields: { max: 1, interval: 3600 } })
    assert.deepEqual([value(bucket, 'max'), value(bucket, 'interval')], [1, 3600])
    assertDate(bucket, 'date_created')
    const user = { end_user_id: 'user-42' }
    await py.ok('start', { service, fields: { to: '+12015550165', channel: 'sms', rate_limits: user } })
    const refused = await py.error('start', { service, fields: { to: '+12015550166', channel: 'sms', rate_limits: user } })
    assert.deepEqual([refused.status, refused.code], [429, 20429])
    await py.ok('start', { service, fields: { to: '+12015550166', channel: 'sms', rate_limits: { end_user_id: 'user-43' } } })
  })
})
