import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import { apiClient, type Answer, type ApiClient } from './harness/api-client.js'
import { startRedisServer, type RedisServer } from './harness/redis-server.js'
import { numbers, serviceEnv, sleep, startApiProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (d) Redis stopped: the API answers POST /v1/verifications with 503 in under a second (every request, measured
 * one by one and in a burst), and with 201 again once Redis is back, in the same API process.
 */
const LATENCY_BOUND_MS = 1_000

describe('delivery (d): Redis stopped under the API', () => {
  const prefix = randomPrefix('down')
  let redis: RedisServer
  let relay: FakeRelay
  const processes: ServiceProcess[] = []
  let apiProcess: ServiceProcess | undefined
  let api: ApiClient

  beforeAll(async () => {
    redis = await startRedisServer()
    // The API never talks to the relay; the configuration only has to be a valid production one.
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const started = await startApiProcess(serviceEnv({ redisUrl: redis.url, prefix, relayUrl: relay.url }), 'api', processes)
    apiProcess = started.process
    api = apiClient(started.url)
  })

  afterAll(() => tearDown(processes, () => relay, () => redis.destroy()))

  test('503 in under a second while Redis is down, 201 again after it returns, same process', async () => {
    const tos = numbers(4000, 60)
    let n = 0
    const next = (): string => tos[n++] ?? ''
    assert.equal((await api.create(next())).status, 201, 'the API works before the outage')

    await redis.stop()
    const answers: Answer[] = []
    // One at a time, spread over a few seconds (the client's reconnect attempts come and go meanwhile) ...
    for (let i = 0; i < 20; i++) {
      answers.push(await api.create(next()))
      await sleep(150)
    }
    // ... and a burst of concurrent ones.
    answers.push(...(await Promise.all(Array.from({ length: 10 }, () => api.create(next())))))

    const latencies = answers.map((a) => Math.round(a.ms))
    console.log(`# (d) 503 latencies (ms): max ${Math.max(...latencies)}, all ${latencies.join(' ')}`)
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 503),
      'every create answers 503 while Redis is down',
    )
    for (const a of answers) {
      assert.equal((a.body as { error?: { code?: string } }).error?.code, 'unavailable')
    }
    assert.ok(Math.max(...latencies) < LATENCY_BOUND_MS, `every 503 within ${LATENCY_BOUND_MS} ms (slowest ${Math.max(...latencies)} ms)`)

    const pid = apiProcess?.child.pid
    await redis.start()
    const back = await waitFor(
      'a 201 after Redis returned',
      async () => {
        const answer = await api.create(next())
        return answer.status === 201 ? answer : undefined
      },
      15_000,
      200,
    )
    assert.equal(back.status, 201)
    for (let i = 0; i < 5; i++) assert.equal((await api.create(next())).status, 201, 'creates keep working')
    assert.equal(apiProcess?.child.exitCode, null, 'the API process never restarted')
    assert.equal(apiProcess?.child.pid, pid)
  })
})
