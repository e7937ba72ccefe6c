import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import type { Cluster, Redis } from 'ioredis'
import { buildTestApp, TEST_SECRET, testConfig, type TestApp } from '../helpers/app.js'
import { keysUnder } from '../helpers/redis.js'
import { newVerificationId, tagOfDigest, tagOfId } from '../../shared/ids.js'
import { createKeys } from '../../shared/keys.js'
import { builtInServices } from '../../shared/services.js'
import { numberScope } from '../../shared/store/number-scope.js'
import { createSecrets } from '../../shared/secrets.js'
import type { Verification } from '../../shared/verification.js'
import { clusterNodes, clusterPorts, keyslot, nodeClient, numbersFrom, testCluster } from './helpers.js'

/*
 * The cross-slot guard. A Lua script may only touch keys of one slot on a cluster; the store's scripts start from a
 * number or from a verification id and reach the other through key prefixes built inside Lua. These tests ask Redis
 * (CLUSTER KEYSLOT) where every such key lands, so a change to keys.ts that splits a number from its verifications
 * fails here even before a flow would hit CROSSSLOT.
 */
describe('cluster slots: one number, its verifications and its scripts share one slot', () => {
  let node: Redis

  beforeAll(() => {
    const [port] = clusterPorts()
    if (port === undefined) throw new Error(`no port in REDIS_CLUSTER_NODES=${clusterNodes()}`)
    node = nodeClient(port)
  })
  afterAll(() => node.disconnect())

  test('for 300 numbers: number key, verification key and the keys built inside Lua have one slot', async () => {
    const keys = createKeys('test-slots')
    const secrets = createSecrets(TEST_SECRET)
    const buckets = new Set<number>()
    const services = builtInServices(testConfig({ KEY_PREFIX: 'test-slots' }))
    for (const e164 of numbersFrom(0, 300, '312')) {
      const digest = secrets.numberDigest(e164)
      const id = newVerificationId(digest)
      const inDefault = numberScope(secrets, services.default, e164)
      const inPublic = numberScope(secrets, services.public, e164)
      const inV2 = numberScope(secrets, { id: `VA${'7'.repeat(32)}` }, e164)
      const touched = {
        // one number's state in each service it is used in ...
        number: keys.number(inDefault.tag, inDefault.scoped),
        numberInPublicService: keys.number(inPublic.tag, inPublic.scoped),
        numberInV2Service: keys.number(inV2.tag, inV2.scoped),
        verification: keys.verification(id),
        // create/check (by number) turn the number's `cur` id into a key with this prefix ...
        verificationFromNumber: keys.verificationPrefix(tagOfDigest(digest)) + id,
        // ... and check by id reaches the number's hash through the verification's `ns` (or `nd`) field.
        numberFromVerification: keys.numberPrefix(tagOfId(id)) + inPublic.scoped,
      }
      const slots = await Promise.all(Object.values(touched).map((k) => keyslot(node, k)))
      assert.equal(new Set(slots).size, 1, `keys of one number in slots ${slots.join(', ')}: ${Object.values(touched).join(' | ')}`)
      buckets.add(slots[0] ?? -1)
    }
    // Spread over the cluster, not all in one slot: the point of tagging per number bucket.
    assert.ok(buckets.size > 250, `300 numbers use only ${buckets.size} slots`)
  })

  test('the shared limit counters share one slot, and every queue key shares the slot of {prefix}', async () => {
    const keys = createKeys('test-slots')
    // /v2 rate-limit buckets count in the same script as the other shared counters.
    const counters = [keys.ipCounter('abcd', 1), keys.countryCounter('US', 1), keys.globalCounter(1), keys.bucketCounter(`BL${'1'.repeat(32)}`, 'digest', 1)]
    const counterSlots = await Promise.all(counters.map((k) => keyslot(node, k)))
    assert.equal(new Set(counterSlots).size, 1, `limit counters in slots ${counterSlots.join(', ')}`)
    // Services, rate limits and buckets: one slot, so an account's list and a service's limits read in one call.
    const sid = `VA${'2'.repeat(32)}`
    const rk = `RK${'3'.repeat(32)}`
    const settings = [keys.service(sid), keys.accountServices(`AC${'4'.repeat(32)}`), keys.serviceRateLimits(sid), keys.rateLimit(rk), keys.rateLimitBuckets(rk), keys.bucket(`BL${'5'.repeat(32)}`)]
    const settingSlots = await Promise.all(settings.map((k) => keyslot(node, k)))
    assert.equal(new Set(settingSlots).size, 1, `service settings in slots ${settingSlots.join(', ')}`)
    // The fraud guard's keys: one slot, so each of its scripts runs on one node.
    const f = keys.fraud
    const fraudKeys = [f.prefixWindow('+447911'), f.countryWindow('GB'), f.timeline(), f.recentPrefixes(), f.recentCountries(), f.block('+447911'), f.blocks(), f.strikes('+447911'), f.approvedNumber('digest')]
    const fraudSlots = await Promise.all(fraudKeys.map((k) => keyslot(node, k)))
    assert.equal(new Set(fraudSlots).size, 1, `fraud guard keys in slots ${fraudSlots.join(', ')}`)
    const queueSlot = await keyslot(node, keys.queuePrefix)
    for (const suffix of [':sms:wait', ':sms:active', ':sms:meta', ':sms:limiter', ':sms:ver_abcd-1', ':sms:events']) {
      assert.equal(await keyslot(node, `${keys.queuePrefix}${suffix}`), queueSlot, suffix)
    }
  })
})

const ACCOUNT = `AC${'c1'.repeat(16)}`
const TOKEN = 'cluster-token'

describe('cluster slots: what the store really wrote', () => {
  let t: TestApp
  let cluster: Cluster
  let node: Redis

  beforeAll(async () => {
    t = await buildTestApp({ REDIS_CLUSTER_NODES: clusterNodes(), RESEND_COOLDOWN_SECONDS: '0', TWILIO_COMPAT_CREDENTIALS: `${ACCOUNT}:${TOKEN}` })
    cluster = await testCluster()
    const [port] = clusterPorts()
    node = nodeClient(port ?? 0)
  })
  afterAll(async () => {
    node.disconnect()
    cluster.disconnect()
    await t.close()
  })

  test('after create, resend, check and cancel, each number and all its verifications sit in one slot', async () => {
    const numbers = numbersFrom(100, 20, '312')
    for (const to of numbers) {
      const created = await t.v1('POST', '/v1/verifications', { to })
      assert.equal(created.status, 201)
      const v = (await created.json()) as Verification
      assert.equal((await t.v1('POST', '/v1/verifications', { to })).status, 200, 'resend')
      assert.equal((await t.v1('POST', '/v1/verifications/check', { to, code: '000000' })).status, 200, 'check by number')
      assert.equal((await t.v1('POST', `/v1/verifications/${v.id}/cancel`)).status, 200, 'cancel')
      // A second verification of the same number, checked by id.
      const again = (await (await t.v1('POST', '/v1/verifications', { to })).json()) as Verification
      assert.equal((await t.v1('POST', '/v1/verifications/check', { id: again.id, code: '000000' })).status, 200, 'check by id')
    }

    const storeKeys = (await keysUnder(cluster, t.prefix)).filter((k) => !k.startsWith('{'))
    const numberKeys = storeKeys.filter((k) => k.includes(':n:'))
    assert.equal(numberKeys.length, numbers.length, 'one state hash per number')
    for (const numberKey of numberKeys) {
      const digest = numberKey.slice(numberKey.lastIndexOf(':') + 1)
      const slot = await keyslot(node, numberKey)
      const own = []
      for (const key of storeKeys.filter((k) => k.includes(':v:'))) {
        if ((await cluster.hget(key, 'nd')) === digest) own.push(key)
      }
      assert.equal(own.length, 2, 'two verifications per number')
      for (const key of own) assert.equal(await keyslot(node, key), slot, `${key} is not in the slot of ${numberKey}`)
    }

    // And the queue: every BullMQ key the run made is in the one slot of the braced prefix.
    const queueKeys = (await keysUnder(cluster, t.prefix)).filter((k) => k.startsWith('{'))
    assert.ok(queueKeys.length > numbers.length, 'jobs were queued')
    const queueSlot = await keyslot(node, t.keys.queuePrefix)
    const strays = []
    for (const key of queueKeys) if ((await keyslot(node, key)) !== queueSlot) strays.push(key)
    assert.deepEqual(strays, [], 'queue keys outside the queue slot')
  })

  test('/v2 on the cluster: services, rate limits, buckets and bucket counts each keep to their slot', async () => {
    const auth = { Authorization: `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' }
    const post = async (path: string, fields: Record<string, string>, status: number): Promise<Record<string, unknown>> => {
      const res = await t.app.request(path, { method: 'POST', headers: auth, body: new URLSearchParams(fields).toString() })
      const body = (await res.json()) as Record<string, unknown>
      assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`)
      return body
    }
    const service = String((await post('/v2/Services', { FriendlyName: 'Cluster' }, 201)).sid)
    const limit = String((await post(`/v2/Services/${service}/RateLimits`, { UniqueName: 'end_user_ip_address' }, 201)).sid)
    await post(`/v2/Services/${service}/RateLimits/${limit}/Buckets`, { Max: '100', Interval: '60' }, 201)
    const numbers = numbersFrom(300, 10, '312')
    for (const [i, to] of numbers.entries()) {
      const v = await post(`/v2/Services/${service}/Verifications`, { To: to, Channel: 'sms', RateLimits: JSON.stringify({ end_user_ip_address: `203.0.113.${i}` }) }, 201)
      await post(`/v2/Services/${service}/VerificationCheck`, { VerificationSid: String(v.sid), Code: '000000' }, 200)
    }
    const listed = await t.app.request('/v2/Services?PageSize=1', { headers: auth })
    assert.equal(listed.status, 200)

    const all = await keysUnder(cluster, t.prefix)
    const slotsOf = async (keys: string[]): Promise<Set<number>> => new Set(await Promise.all(keys.map((k) => keyslot(node, k))))
    const settingKeys = all.filter((k) => k.includes(`{${t.prefix}.services}`))
    assert.ok(settingKeys.length >= 5, `service, account list, rate limits, rate limit, buckets, bucket: ${settingKeys.join(' ')}`)
    assert.equal((await slotsOf(settingKeys)).size, 1)
    const counterKeys = all.filter((k) => k.includes(`{${t.prefix}.limits}`))
    assert.ok(counterKeys.some((k) => k.includes(':rb:')), 'bucket counters were written')
    assert.equal((await slotsOf(counterKeys)).size, 1)
    // Each number's state in this service sits with its verification.
    let seen = 0
    for (const key of all.filter((k) => k.includes(':v:'))) {
      const ns = await cluster.hget(key, 'ns')
      if (ns === null || (await cluster.hget(key, 'sv')) !== service) continue
      const numberKey = all.find((k) => k.endsWith(`:n:${ns}`))
      assert.ok(numberKey !== undefined, `the number state of ${key}`)
      assert.equal(await keyslot(node, numberKey), await keyslot(node, key))
      seen++
    }
    assert.equal(seen, numbers.length)
  })
})
