import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { TEST_API_KEY, TEST_PROJECT, TEST_TOKEN } from '../helpers/constants.js'
import { relayServiceEnv, startApi, startService, type ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, randomPrefix, TEST_REDIS_URL, testRedis } from '../helpers/redis.js'
import type { Verification } from '../../shared/verification.js'

/*
 * SMS pumping against the real processes: an attack (codes to one prefix, none used) and real traffic (users of
 * another prefix who read their SMS at the relay and use the code) at once. Short durations: a one-minute window
 * of one-second buckets, a one-second grace period, a three-second first block.
 */
const ADMIN_PASSWORD = 'fraud-admin-password-0123456789'
const ATTACKED = '+447911'
const USERS = '+447700'
const number = (prefix: string, n: number): string => `${prefix}${String(123000 + n).padStart(6, '0')}`
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

interface Refusal {
  readonly error: { readonly code: string; readonly prefix: string; readonly until: string; readonly reason: string }
}
interface Overview {
  readonly mode: string
  readonly blocks: ReadonlyArray<{ prefix: string; since: string; until: string; reason: string; sends: number; approved: number; strikes: number }>
  readonly prefixes: ReadonlyArray<{ prefix: string; sends: number; approved: number }>
}

function guardEnv(prefix: string, relayUrl: string, mode: string): Record<string, string> {
  return {
    ...relayServiceEnv(prefix, relayUrl),
    REDIS_URL: TEST_REDIS_URL,
    FRAUD_GUARD: mode,
    FRAUD_WINDOW_SECONDS: '60',
    FRAUD_GRACE_SECONDS: '1',
    FRAUD_MIN_SENDS: '20',
    FRAUD_MIN_CONVERSION: '0.2',
    FRAUD_BLOCK_SECONDS: '3',
    IP_SENDS_PER_HOUR: '0',
    RESEND_COOLDOWN_SECONDS: '0',
    ADMIN_PASSWORD,
    ADMIN_PORT: '0',
    WORKER_ADMIN_PORT: '0',
    TEST_NUMBERS: '+15005550006:424242',
  }
}

async function startStack(prefix: string, relay: FakeRelay, mode: string): Promise<{ api: ServiceProcess; worker: ServiceProcess; url: string; adminUrl: string }> {
  const env = guardEnv(prefix, relay.url, mode)
  const started = await startApi(env)
  const adminLine = await started.process.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('admin listener: /admin/'))
  const worker = startService('worker', 'start:worker', env)
  await worker.waitForLog((l) => l.msg === 'worker started')
  return { api: started.process, worker, url: started.url, adminUrl: `http://127.0.0.1:${String(adminLine.port)}` }
}

describe('fraud guard on the real processes', () => {
  const prefix = randomPrefix('fraud')
  const monitorPrefix = randomPrefix('fraudmon')
  let relay: FakeRelay
  let stack: Awaited<ReturnType<typeof startStack>>
  const admin = { Authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` }

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    stack = await startStack(prefix, relay, 'enforce')
  })
  afterAll(async () => {
    await Promise.all([stack.api.stop(), stack.worker.stop()])
    const redis = testRedis()
    await deletePrefix(redis, prefix)
    await deletePrefix(redis, monitorPrefix)
    redis.disconnect()
    await relay.close()
  })

  const start = (url: string, to: string): Promise<Response> =>
    fetch(`${url}/v1/verifications`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ to }) })

  /** A real user: asks for a code, reads it where the phone would, and uses it. */
  async function realUser(url: string, to: string): Promise<void> {
    const res = await start(url, to)
    assert.equal(res.status, 201, `${to}: ${res.status}`)
    const v = (await res.json()) as Verification
    const sms = await relay.waitForMessageTo(to, 15_000)
    const code = /(\d{6})/.exec(sms.body)?.[1] ?? ''
    const checked = await fetch(`${url}/v1/verifications/check`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: v.id, code }),
    })
    assert.equal(((await checked.json()) as Verification).status, 'approved')
  }

  async function attack(url: string, from: number, count: number): Promise<void> {
    for (let i = from; i < from + count; i++) assert.equal((await start(url, number(ATTACKED, i))).status, 201, `attack code ${i}`)
  }

  async function overview(adminUrl: string): Promise<Overview> {
    const res = await fetch(`${adminUrl}/admin/fraud`, { headers: admin })
    assert.equal(res.status, 200)
    return (await res.json()) as Overview
  }

  test('an attack on one prefix is refused with its reason and end, while real users elsewhere (and a known number) go on', async () => {
    const known = number(ATTACKED, 999)
    await realUser(stack.url, known)
    // The attack and real traffic at once.
    await Promise.all([attack(stack.url, 0, 30), (async () => { for (let i = 0; i < 8; i++) await realUser(stack.url, number(USERS, i)) })()])
    // Past the grace period (and its one-second bucket), the next code to the prefix is judged.
    await sleep(2_100)
    const refused = await start(stack.url, number(ATTACKED, 100))
    assert.equal(refused.status, 403)
    const body = (await refused.json()) as Refusal
    assert.equal(body.error.code, 'fraud_suspected')
    assert.equal(body.error.prefix, ATTACKED)
    assert.equal(body.error.reason, `1 of 31 codes sent to ${ATTACKED} in the last minute was used`)
    const [block] = (await overview(stack.adminUrl)).blocks
    assert.ok(block !== undefined)
    assert.equal(block.until, body.error.until)
    assert.equal(Date.parse(block.until) - Date.parse(block.since), 3_000, 'the first block: FRAUD_BLOCK_SECONDS')
    // Real users, elsewhere and in the attacked prefix, are not refused.
    await realUser(stack.url, number(USERS, 50))
    assert.equal((await start(stack.url, known)).status, 201)
    assert.equal(relay.messages.filter((m) => m.to === number(ATTACKED, 100)).length, 0, 'nothing sent to the refused number')
  })

  test('the block lifts by itself, comes back doubled on a second attack, and the admin call lifts it at once', async () => {
    const [first] = (await overview(stack.adminUrl)).blocks
    assert.ok(first !== undefined)
    await sleep(Math.max(0, Date.parse(first.until) - Date.now()) + 200)
    assert.equal((await start(stack.url, number(ATTACKED, 101))).status, 201, 'lifted by itself')
    assert.deepEqual((await overview(stack.adminUrl)).blocks, [])

    await attack(stack.url, 200, 25)
    await sleep(2_100)
    const again = (await (await start(stack.url, number(ATTACKED, 300))).json()) as Refusal
    assert.equal(again.error.code, 'fraud_suspected')
    const [second] = (await overview(stack.adminUrl)).blocks
    assert.ok(second !== undefined)
    assert.equal(second.strikes, 2)
    assert.equal(Date.parse(second.until) - Date.parse(second.since), 6_000, 'twice the first')

    const lifted = await fetch(`${stack.adminUrl}/admin/fraud/blocks/${encodeURIComponent(ATTACKED)}`, { method: 'DELETE', headers: admin })
    assert.equal(lifted.status, 204)
    assert.equal((await start(stack.url, number(ATTACKED, 301))).status, 201, 'lifted by the operator')
    assert.equal((await fetch(`${stack.adminUrl}/admin/fraud/blocks/${encodeURIComponent(ATTACKED)}`, { method: 'DELETE', headers: admin })).status, 404)
    // The lift endpoint is the operator's only: without credentials, 401; from another site's page, 403.
    assert.equal((await fetch(`${stack.adminUrl}/admin/fraud/blocks/${encodeURIComponent(ATTACKED)}`, { method: 'DELETE' })).status, 401)
    const crossSite = await fetch(`${stack.adminUrl}/admin/fraud/blocks/${encodeURIComponent(ATTACKED)}/lift`, { method: 'POST', headers: { ...admin, 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' } })
    assert.equal(crossSite.status, 403)
  })

  test('a test number gets its code, no SMS reaches the relay, and 50 requests in a row are not limited', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await start(stack.url, '+15005550006')
      assert.ok(res.status === 201 || res.status === 200, `request ${i + 1}: ${res.status}`)
      assert.equal(((await res.json()) as Verification).delivery.error?.code, 'test_number')
    }
    const checked = await fetch(`${stack.url}/v1/verifications/check`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: '+15005550006', code: '424242' }),
    })
    assert.equal(((await checked.json()) as Verification).status, 'approved')
    // Give the worker time it would need to send anything it had been given.
    await sleep(500)
    assert.equal(relay.messages.filter((m) => m.to === '+15005550006').length, 0)
    assert.ok(stack.api.lines.some((l) => l.includes('TEST_NUMBERS: 1 number(s) get a fixed code')), 'the boot warning')
    assert.ok(!stack.api.lines.some((l) => l.includes('424242')), 'the code is in no log line')
  })

  test('monitor: the same attack refuses nothing, and the judgement is reported', async () => {
    await Promise.all([stack.api.stop(), stack.worker.stop()])
    stack = await startStack(monitorPrefix, relay, 'monitor')
    await attack(stack.url, 400, 30)
    await sleep(2_100)
    for (let i = 500; i < 505; i++) assert.equal((await start(stack.url, number(ATTACKED, i))).status, 201)
    const seen = await overview(stack.adminUrl)
    assert.equal(seen.mode, 'monitor')
    assert.deepEqual(
      seen.blocks.map((b) => [b.prefix, b.reason]),
      [[ATTACKED, `0 of 30 codes sent to ${ATTACKED} in the last minute were used`]],
    )
    assert.ok(stack.api.lines.some((l) => l.includes('fraud guard: prefix would be blocked (monitor)')))
  })
})
