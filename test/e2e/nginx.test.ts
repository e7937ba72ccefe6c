import assert from 'node:assert/strict'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/constants.js'
import { numberForms, plaintextLeaks } from '../helpers/leaks.js'
import { nginxInstalled, startNginx, type Nginx } from '../helpers/nginx.js'
import { freePort, relayServiceEnv, startApi, type ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, randomPrefix, TEST_REDIS_URL, testRedis } from '../helpers/redis.js'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'

/*
 * The shipped proxy in front of the real API, as docker-compose.yml runs them: the API limits by the client's address
 * (not nginx's), and neither log holds a code or a full number after a GET /validate-auth with both in its query.
 * Clients connect from 127.0.0.2 and 127.0.0.3 (all of 127/8 is this machine) so nginx sees two different peers.
 */

// CI installs nginx (.ci/run); on a machine without it this suite says so and is skipped.
const available = nginxInstalled() || process.env.CI === 'true'

/** One request through nginx, sent from `from` (a loopback address of this machine). */
function send(nginx: Nginx, from: string, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: nginx.port,
        localAddress: from,
        method,
        path,
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) }),
          // What a client may claim: nginx must overwrite it.
          'X-Forwarded-For': '203.0.113.66',
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe.skipIf(!available)('the shipped nginx (deploy/nginx.conf) in front of the real API', () => {
  const prefix = randomPrefix('nginx')
  let relay: FakeRelay
  let api: ServiceProcess
  let nginx: Nginx

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    // As compose sets it: X-Forwarded-For is believed from the proxy's address only.
    const started = await startApi({ ...relayServiceEnv(prefix, relay.url), REDIS_URL: TEST_REDIS_URL, TRUST_PROXY: '127.0.0.1/32', IP_SENDS_PER_HOUR: '2', LOG_LEVEL: 'info' })
    api = started.process
    nginx = await startNginx({ port: await freePort(), upstreamPort: Number(new URL(started.url).port) })
  })
  afterAll(async () => {
    await nginx?.stop()
    await api?.stop()
    await relay?.close()
    const redis = testRedis()
    await deletePrefix(redis, prefix)
    redis.disconnect()
  })

  test('the API limits by the client behind nginx, not by nginx (and not by what the client claims)', async () => {
    const form = (n: number) => new URLSearchParams({ number: `+1201555069${n}` }).toString()
    assert.equal((await send(nginx, '127.0.0.2', 'POST', '/request-auth', form(1))).status, 200)
    assert.equal((await send(nginx, '127.0.0.2', 'POST', '/request-auth', form(2))).status, 200)
    const third = await send(nginx, '127.0.0.2', 'POST', '/request-auth', form(3))
    assert.equal(third.status, 429, 'the third send from 127.0.0.2 within the hour is refused')
    assert.equal((await send(nginx, '127.0.0.3', 'POST', '/request-auth', form(4))).status, 200, 'another client, through the same nginx, is not')
  })

  test("after a GET /validate-auth with a code and a number in its query, neither nginx's log nor the API's holds them", async () => {
    const number = '+12015550699'
    const code = '274913'
    assert.equal((await send(nginx, '127.0.0.3', 'POST', '/request-auth', `number=${encodeURIComponent(number)}`)).status, 200)
    const checked = await send(nginx, '127.0.0.3', 'GET', `/validate-auth?number=${encodeURIComponent(number)}&auth_code=${code}`)
    assert.equal(checked.status, 403)
    // The request was logged, by both.
    await new Promise((r) => setTimeout(r, 200))
    const proxyLog = nginx.accessLog()
    assert.match(proxyLog, /"GET \/validate-auth" 403/)
    assert.ok(api.lines.some((l) => l.includes('"route":"/validate-auth"')), 'the API logged the request')
    const secrets = [code, ...numberForms(number)]
    assert.deepEqual(plaintextLeaks(proxyLog, secrets), [], `nginx log: ${proxyLog}`)
    assert.deepEqual(plaintextLeaks(api.lines.join('\n'), secrets), [], 'API log')
  })
})
