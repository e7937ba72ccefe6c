import assert from 'node:assert/strict'
import twilio from 'twilio'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { fromTwilioSid } from '../../shared/ids.js'
import { buildTestApp, serveTestApp, type TestApp } from '../helpers/app.js'

/*
 * The real npm `twilio` client (6.x), pointed here by its base URL only, as an application moving from Twilio Verify
 * would do. Every call goes over a real socket; what the test asserts is what the client hands the application.
 */

const ACCOUNT = `AC${'a1'.repeat(16)}`
const TOKEN = 'node-client-token-0123456789'
const OTHER_ACCOUNT = `AC${'b2'.repeat(16)}`
const OTHER_TOKEN = 'other-client-token-0123456789'
const TO = '+12015550141'

type Client = ReturnType<typeof twilio>

let t: TestApp
let server: Awaited<ReturnType<typeof serveTestApp>>
let client: Client

function clientFor(account: string, token: string): Client {
  const c = twilio(account, token)
  c.verify.baseUrl = server.url
  return c
}

/** What the client threw, as an application catching RestException sees it. */
async function restError(promise: Promise<unknown>): Promise<{ status: number; code: number; message: string }> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof twilio.RestException, `a RestException, not ${String(error)}`)
    return { status: error.status, code: error.code ?? 0, message: error.message }
  }
  assert.fail('the call succeeded')
}

const codeOf = (sid: string): Promise<string> => t.codeOf(fromTwilioSid(sid) ?? sid)
const wrong = (code: string): string => code.replace(/\d$/, (d) => String((Number(d) + 1) % 10))

beforeAll(async () => {
  t = await buildTestApp({ TWILIO_COMPAT_CREDENTIALS: `${ACCOUNT}:${TOKEN},${OTHER_ACCOUNT}:${OTHER_TOKEN}` })
  server = await serveTestApp(t.app)
  client = clientFor(ACCOUNT, TOKEN)
})
afterAll(async () => {
  await server.close()
  await t.close()
})

describe('the npm twilio client against /v2', () => {
  it('creates, fetches, updates and deletes a service, with typed dates and absolute links', async () => {
    const created = await client.verify.v2.services.create({ friendlyName: 'Acme Node', codeLength: 8, doNotShareWarningEnabled: true })
    assert.match(created.sid, /^VA[0-9a-f]{32}$/)
    assert.equal(created.accountSid, ACCOUNT)
    assert.equal(created.friendlyName, 'Acme Node')
    assert.equal(created.codeLength, 8)
    assert.equal(created.doNotShareWarningEnabled, true)
    assert.ok(created.dateCreated instanceof Date && !Number.isNaN(created.dateCreated.getTime()))
    assert.ok(Math.abs(created.dateCreated.getTime() - t.clock.now()) < 2000)
    assert.equal(created.links.verifications, `${server.url}/v2/Services/${created.sid}/Verifications`)

    const fetched = await client.verify.v2.services(created.sid).fetch()
    assert.equal(fetched.friendlyName, 'Acme Node')
    const updated = await client.verify.v2.services(created.sid).update({ friendlyName: 'Acme Renamed', codeLength: 4 })
    assert.equal(updated.friendlyName, 'Acme Renamed')
    assert.equal(updated.codeLength, 4)
    assert.equal(updated.doNotShareWarningEnabled, true)

    // Another account cannot see it, nor start verifications in it.
    const other = clientFor(OTHER_ACCOUNT, OTHER_TOKEN)
    assert.equal((await restError(other.verify.v2.services(created.sid).fetch())).code, 20404)
    assert.equal((await restError(other.verify.v2.services(created.sid).verifications.create({ to: TO, channel: 'sms' }))).code, 20404)

    assert.equal(await client.verify.v2.services(created.sid).remove(), true)
    const gone = await restError(client.verify.v2.services(created.sid).fetch())
    assert.deepEqual([gone.status, gone.code], [404, 20404])
  })

  it('refuses a FriendlyName over 30 characters and a CodeLength outside 4–10 with 60200', async () => {
    const long = await restError(client.verify.v2.services.create({ friendlyName: 'x'.repeat(31) }))
    assert.deepEqual([long.status, long.code, long.message], [400, 60200, 'Invalid parameter: FriendlyName'])
    const length = await restError(client.verify.v2.services.create({ friendlyName: 'Acme', codeLength: 11 }))
    assert.deepEqual([length.code, length.message], [60200, 'Invalid parameter: CodeLength'])
  })

  it('runs a verification: start, start again (same code, two send attempts), wrong code, right code, then 20404', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Acme' })
    const verify = client.verify.v2.services(service.sid)

    const first = await verify.verifications.create({ to: TO, channel: 'sms' })
    assert.match(first.sid, /^VE[0-9a-f]{32}$/)
    assert.equal(first.serviceSid, service.sid)
    assert.equal(first.status, 'pending')
    assert.equal(first.valid, false)
    assert.equal(first.to, TO)
    assert.equal(first.channel, 'sms')
    assert.equal(first.sendCodeAttempts.length, 1)
    assert.ok(first.dateCreated instanceof Date && !Number.isNaN(first.dateCreated.getTime()))
    const code = await codeOf(first.sid)
    assert.match(code, /^\d{6}$/)

    t.clock.advance(1000)
    const again = await verify.verifications.create({ to: TO, channel: 'sms' })
    assert.equal(again.sid, first.sid)
    assert.equal(await codeOf(again.sid), code, 'the same code is sent again')
    const attempts = again.sendCodeAttempts as Array<{ attempt_sid: string; channel: string; time: string }>
    assert.equal(attempts.length, 2)
    assert.deepEqual(
      attempts.map((a) => a.channel),
      ['sms', 'sms'],
    )
    assert.notEqual(attempts[0]?.attempt_sid, attempts[1]?.attempt_sid)
    assert.match(attempts[0]?.attempt_sid ?? '', /^VL[0-9a-f]{32}$/)

    const miss = await verify.verificationChecks.create({ to: TO, code: wrong(code) })
    assert.deepEqual([miss.status, miss.valid, miss.sid], ['pending', false, first.sid])

    const hit = await verify.verificationChecks.create({ to: TO, code })
    assert.deepEqual([hit.status, hit.valid, hit.sid], ['approved', true, first.sid])
    assert.ok(hit.dateUpdated instanceof Date)

    const after = await restError(verify.verifications(first.sid).fetch())
    assert.deepEqual([after.status, after.code], [404, 20404])
    assert.equal(after.message, `The requested resource /Services/${service.sid}/Verifications/${first.sid} was not found`)
    assert.equal((await restError(verify.verificationChecks.create({ verificationSid: first.sid, code }))).code, 20404)
  })

  it('checks by VerificationSid, and the service FriendlyName/CodeLength shape the code', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Eight', codeLength: 8 })
    const verify = client.verify.v2.services(service.sid)
    const v = await verify.verifications.create({ to: '+12015550142', channel: 'sms' })
    const code = await codeOf(v.sid)
    assert.match(code, /^\d{8}$/)
    const hit = await verify.verificationChecks.create({ verificationSid: v.sid, code })
    assert.equal(hit.status, 'approved')
  })

  it('cancels by update; an update to another status is 60441', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Cancel' })
    const verify = client.verify.v2.services(service.sid)
    const v = await verify.verifications.create({ to: '+12015550143', channel: 'sms' })
    const bad = await restError(verify.verifications(v.sid).update({ status: 'pending' as 'canceled' }))
    assert.deepEqual([bad.status, bad.code], [400, 60441])
    const canceled = await verify.verifications(v.sid).update({ status: 'canceled' })
    assert.deepEqual([canceled.status, canceled.valid], ['canceled', false])
    assert.equal((await restError(verify.verifications(v.sid).fetch())).code, 20404)
    assert.equal((await restError(verify.verificationChecks.create({ verificationSid: v.sid, code: await codeOf(v.sid) }))).code, 20404)
  })

  it('approves by update (the application checked a code of its own)', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Approve' })
    const verify = client.verify.v2.services(service.sid)
    const v = await verify.verifications.create({ to: '+12015550144', channel: 'sms' })
    const approved = await verify.verifications(v.sid).update({ status: 'approved' })
    assert.deepEqual([approved.status, approved.valid], ['approved', true])
  })

  it('answers 60202 on the check after the allowed wrong codes, even with the right code', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Attempts' })
    const verify = client.verify.v2.services(service.sid)
    const v = await verify.verifications.create({ to: '+12015550145', channel: 'sms' })
    const code = await codeOf(v.sid)
    for (let i = 0; i < 5; i++) {
      const miss = await verify.verificationChecks.create({ to: '+12015550145', code: wrong(code) })
      assert.deepEqual([miss.status, miss.valid], ['pending', false], `wrong code ${i + 1}`)
    }
    const refused = await restError(verify.verificationChecks.create({ to: '+12015550145', code }))
    assert.deepEqual([refused.status, refused.code, refused.message], [429, 60202, 'Max check attempts reached'])
  })

  it('answers 60203 once a number had its sends for the window', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Sends' })
    const verify = client.verify.v2.services(service.sid)
    for (let i = 0; i < 5; i++) {
      const v = await verify.verifications.create({ to: '+12015550146', channel: 'sms' })
      assert.equal(v.sendCodeAttempts.length, i + 1)
    }
    const refused = await restError(verify.verifications.create({ to: '+12015550146', channel: 'sms' }))
    assert.deepEqual([refused.status, refused.code, refused.message], [429, 60203, 'Max send attempts reached'])
    // The same number in another service has its own budget.
    const elsewhere = await client.verify.v2.services.create({ friendlyName: 'Elsewhere' })
    assert.equal((await client.verify.v2.services(elsewhere.sid).verifications.create({ to: '+12015550146', channel: 'sms' })).status, 'pending')
  })

  it('answers 60200 naming the parameter for a bad To, Channel or Code, and 60223 for a channel not offered; takes calls', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Params' })
    const verify = client.verify.v2.services(service.sid)
    const to = await restError(verify.verifications.create({ to: '+1201', channel: 'sms' }))
    assert.deepEqual([to.status, to.code, to.message], [400, 60200, 'Invalid parameter: To'])
    const channel = await restError(verify.verifications.create({ to: TO, channel: 'whatsapp' }))
    assert.deepEqual([channel.status, channel.code], [400, 60223])
    const call = await verify.verifications.create({ to: TO, channel: 'call' })
    assert.equal(call.channel, 'call')
    assert.deepEqual(
      (call.sendCodeAttempts as Array<{ channel: string }>).map((a) => a.channel),
      ['call'],
    )
    // Then by SMS: the same verification, one attempt per channel.
    const sms = await verify.verifications.create({ to: TO, channel: 'sms' })
    assert.equal(sms.sid, call.sid)
    assert.deepEqual(
      (sms.sendCodeAttempts as Array<{ channel: string }>).map((a) => a.channel),
      ['call', 'sms'],
    )
    const name = await restError(verify.verifications.create({ to: TO, channel: 'sms', customFriendlyName: 'n'.repeat(31) }))
    assert.deepEqual([name.code, name.message], [60200, 'Invalid parameter: CustomFriendlyName'])
    const code = await restError(verify.verificationChecks.create({ to: TO, code: '12' }))
    assert.deepEqual([code.status, code.code, code.message], [400, 60200, 'Invalid parameter: Code'])
    const none = await restError(verify.verificationChecks.create({ code: '123456' }))
    assert.deepEqual([none.status, none.code], [400, 60200])
    // Parts of Verify this service does not offer are not found, never a redirect or a 500.
    const webhooks = await restError(verify.webhooks.list())
    assert.deepEqual([webhooks.status, webhooks.code], [404, 20404])
    const templates = await restError(client.verify.v2.templates.list())
    assert.deepEqual([templates.status, templates.code], [404, 20404])
  })

  it('answers 20003 for a bad token and for an account it does not know', async () => {
    const badToken = await restError(clientFor(ACCOUNT, 'not-the-token').verify.v2.services.list())
    assert.deepEqual([badToken.status, badToken.code], [401, 20003])
    const stranger = await restError(clientFor(`AC${'c3'.repeat(16)}`, TOKEN).verify.v2.services.create({ friendlyName: 'X' }))
    assert.deepEqual([stranger.status, stranger.code], [401, 20003])
  })

  it('lists services across pages, following next_page_url, oldest first', async () => {
    const lister = clientFor(OTHER_ACCOUNT, OTHER_TOKEN)
    const names = ['P1', 'P2', 'P3', 'P4', 'P5']
    for (const friendlyName of names) {
      await lister.verify.v2.services.create({ friendlyName })
      t.clock.advance(1000)
    }
    const first = await lister.verify.v2.services.page({ pageSize: 2 })
    assert.equal(first.instances.length, 2)
    assert.ok(typeof first.nextPageUrl === 'string' && first.nextPageUrl.startsWith(`${server.url}/v2/Services?`))
    const all = await lister.verify.v2.services.list({ pageSize: 2 })
    assert.deepEqual(
      all.map((s) => s.friendlyName),
      names,
    )
    assert.ok(all.every((s) => s.accountSid === OTHER_ACCOUNT))
    const seen: string[] = []
    await new Promise<void>((resolve, reject) => {
      lister.verify.v2.services.each({ pageSize: 3, done: (error?: Error) => (error === undefined || error === null ? resolve() : reject(error)) }, (s) => {
        seen.push(s.friendlyName)
      })
    })
    assert.deepEqual(seen, names)
  })

  it('enforces a rate limit: a bucket refuses the next create for the same value, not for another', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Limited' })
    const verify = client.verify.v2.services(service.sid)
    const limit = await verify.rateLimits.create({ uniqueName: 'end_user_ip_address', description: 'per client IP' })
    assert.match(limit.sid, /^RK[0-9a-f]{32}$/)
    assert.equal(limit.uniqueName, 'end_user_ip_address')
    const bucket = await verify.rateLimits(limit.sid).buckets.create({ max: 2, interval: 60 })
    assert.match(bucket.sid, /^BL[0-9a-f]{32}$/)
    assert.deepEqual([bucket.max, bucket.interval, bucket.rateLimitSid], [2, 60, limit.sid])
    assert.equal((await verify.rateLimits(limit.sid).buckets.list()).length, 1)
    assert.equal((await verify.rateLimits(limit.sid).fetch()).description, 'per client IP')

    const ip = { end_user_ip_address: '203.0.113.7' }
    await verify.verifications.create({ to: '+12015550151', channel: 'sms', rateLimits: ip })
    await verify.verifications.create({ to: '+12015550152', channel: 'sms', rateLimits: ip })
    const refused = await restError(verify.verifications.create({ to: '+12015550153', channel: 'sms', rateLimits: ip }))
    assert.deepEqual([refused.status, refused.code], [429, 20429])
    // Another value of the same key has its own count; a create naming no rate limit is not counted.
    await verify.verifications.create({ to: '+12015550153', channel: 'sms', rateLimits: { end_user_ip_address: '203.0.113.8' } })
    await verify.verifications.create({ to: '+12015550154', channel: 'sms' })
    // A rate limit the service does not have is a bad parameter.
    assert.equal((await restError(verify.verifications.create({ to: '+12015550155', channel: 'sms', rateLimits: { nope: 'x' } }))).code, 60200)

    // The interval passes: the value may send again.
    t.clock.advance(61_000)
    await verify.verifications.create({ to: '+12015550156', channel: 'sms', rateLimits: ip })

    assert.equal(await verify.rateLimits(limit.sid).buckets(bucket.sid).remove(), true)
    await verify.verifications.create({ to: '+12015550157', channel: 'sms', rateLimits: ip })
    await verify.verifications.create({ to: '+12015550158', channel: 'sms', rateLimits: ip })
    await verify.verifications.create({ to: '+12015550159', channel: 'sms', rateLimits: ip })
    assert.equal(await verify.rateLimits(limit.sid).remove(), true)
    assert.equal((await verify.rateLimits.list()).length, 0)
  })

  it('shows the line type with LookupEnabled and refuses an SMS to a landline with SkipSmsToLandlines', async () => {
    const service = await client.verify.v2.services.create({ friendlyName: 'Lines', lookupEnabled: true, skipSmsToLandlines: true })
    const verify = client.verify.v2.services(service.sid)
    // A UK mobile and a UK landline: libphonenumber tells them apart (US numbers are "fixed line or mobile").
    const mobile = await verify.verifications.create({ to: '+447400123456', channel: 'sms' })
    assert.equal((mobile.lookup as { carrier: { type: string } }).carrier.type, 'mobile')
    const landline = await restError(verify.verifications.create({ to: '+442079460123', channel: 'sms' }))
    assert.deepEqual([landline.status, landline.code], [403, 60205])
  })

  it('takes a CustomCode only when the service allows it, and checks it', async () => {
    const closed = await client.verify.v2.services.create({ friendlyName: 'Closed' })
    assert.equal((await restError(client.verify.v2.services(closed.sid).verifications.create({ to: TO, channel: 'sms', customCode: '424242' }))).code, 60200)
    const open = await client.verify.v2.services.create({ friendlyName: 'Open', customCodeEnabled: true })
    const verify = client.verify.v2.services(open.sid)
    const v = await verify.verifications.create({ to: TO, channel: 'sms', customCode: '424242' })
    assert.equal(await codeOf(v.sid), '424242')
    assert.equal((await verify.verificationChecks.create({ to: TO, code: '424242' })).status, 'approved')
  })
})
