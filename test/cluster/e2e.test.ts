import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import type { Cluster } from 'ioredis'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { numberForms, plaintextLeaks } from '../helpers/leaks.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, dumpValues, randomPrefix } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'
import { codeIn, errorStats, errorStatsDelta, numbersFrom, scriptErrors, serviceEnv, startServices, testCluster, v1At } from './helpers.js'

/*
 * End to end on the cluster: `npm run start:api` and `npm run start:worker` with REDIS_CLUSTER_NODES, the real SDK
 * against the fake relay. The SMS is read at the relay, the code typed back through the API.
 */
describe('cluster end to end: the real processes on a Redis Cluster', () => {
  const prefix = randomPrefix('ce2e')
  const [formNumber = '', v1Number = ''] = numbersFrom(0, 2, '646')
  const issuedCodes: string[] = []
  let relay: FakeRelay
  let cluster: Cluster
  let api: ServiceProcess | undefined
  let worker: ServiceProcess | undefined
  let url: string
  let statsBefore: Record<string, number>

  beforeAll(async () => {
    cluster = await testCluster()
    statsBefore = await errorStats()
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const env = serviceEnv(prefix, relay.url, { LOG_LEVEL: 'debug' })
    ;({ api, worker, url } = await startServices(env))
  })

  afterAll(async () => {
    await Promise.allSettled([api?.stop(), worker?.stop()])
    try {
      const secrets = [...issuedCodes, ...[formNumber, v1Number].flatMap(numberForms)]
      assert.deepEqual(plaintextLeaks((await dumpValues(cluster, prefix)).join('\n'), secrets), [], 'found in Redis')
      assert.deepEqual(plaintextLeaks([...(api?.lines ?? []), ...(worker?.lines ?? [])].join('\n'), secrets), [], 'found in the logs')
    } finally {
      await deletePrefix(cluster, prefix)
      cluster.disconnect()
      await relay.close()
    }
  })

  async function smsCode(to: string): Promise<string> {
    const sms = await relay.waitForMessageTo(to, 15_000)
    const code = codeIn(sms.body)
    assert.ok(code !== undefined, 'the SMS carries a code')
    issuedCodes.push(code)
    return code
  }

  test('/request-auth texts a code; /validate-auth: wrong 403, right 200 "Success!", reused 403', async () => {
    const form = (path: string, fields: Record<string, string>): Promise<Response> =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      })
    const requested = await form('/request-auth', { number: formNumber })
    assert.equal(requested.status, 200)
    const code = await smsCode(formNumber)
    assert.equal((await form('/validate-auth', { number: formNumber, auth_code: code === '123456' ? '654321' : '123456' })).status, 403)
    const ok = await form('/validate-auth', { number: formNumber, auth_code: code })
    assert.equal(ok.status, 200)
    assert.equal(await ok.text(), 'Success!')
    assert.equal((await form('/validate-auth', { number: formNumber, auth_code: code })).status, 403)
  })

  test('/v1: create, SMS, check by id, GET shows delivered', async () => {
    const created = await v1At(url, 'POST', '/v1/verifications', { to: v1Number })
    assert.equal(created.status, 201)
    const v = (await created.json()) as Verification
    const code = await smsCode(v1Number)
    const checked = await v1At(url, 'POST', '/v1/verifications/check', { id: v.id, code })
    assert.equal(checked.status, 200)
    assert.equal(((await checked.json()) as { status: string }).status, 'approved')
    const deadline = Date.now() + 10_000
    let got: Verification
    do {
      got = (await (await v1At(url, 'GET', `/v1/verifications/${v.id}`)).json()) as Verification
      if (got.delivery.status === 'delivered') break
      await new Promise((r) => setTimeout(r, 50))
    } while (Date.now() < deadline)
    assert.equal(got.delivery.status, 'delivered')
  })

  test('no cross-slot or script error on the cluster, and no error logged by either process', async () => {
    assert.deepEqual(scriptErrors(errorStatsDelta(statsBefore, await errorStats())), {})
    // /readyz answers 503 (logged as an error) until the cluster client is ready: that is its job.
    const errors = [...(api?.lines ?? []), ...(worker?.lines ?? [])].filter((l) => /"level":(50|60)/.test(l) && !l.includes('"route":"/readyz"'))
    assert.deepEqual(errors, [])
  })
})
