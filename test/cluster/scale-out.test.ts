import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { Queue } from 'bullmq'
import type { Cluster } from 'ioredis'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import { startApi, startService, type ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, randomPrefix } from '../helpers/redis.js'
import { eventually, TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import { createKeys, QUEUE_NAME } from '../../shared/keys.js'
import type { Verification } from '../../shared/verification.js'
import { codeIn, numbersFrom, pool, serviceEnv, testCluster, v1At } from './helpers.js'

/*
 * Scale out: two API processes and two worker processes on one cluster. 1,000 verifications through both APIs, every
 * SMS counted at the relay, codes checked through the API that did not create them, the shared send rate measured at
 * the relay while both workers run, then one worker SIGKILLed mid-run and the other left to finish.
 */

const TOTAL = 1_000
const RATE = 50
/** Whole seconds of sending over which the rate is measured: BullMQ's limiter lets RATE jobs start per second. */
const RATE_WINDOW_S = 10
const CONCURRENT_REQUESTS = 20

interface Created {
  readonly to: string
  readonly api: number
  readonly status: number
  readonly id: string | undefined
  readonly error?: string
}

describe('scale out: two APIs and two workers on the cluster', () => {
  const prefix = randomPrefix('scale')
  let relay: FakeRelay
  let cluster: Cluster
  const apis: Array<{ process: ServiceProcess; url: string }> = []
  const workers: ServiceProcess[] = []

  beforeAll(async () => {
    cluster = await testCluster()
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const env = serviceEnv(prefix, relay.url, { SEND_RATE_PER_SECOND: String(RATE), WORKER_LOCK_SECONDS: '3' })
    workers.push(startService('worker-a', 'start:worker', env), startService('worker-b', 'start:worker', env))
    const started = await Promise.allSettled([startApi(env), startApi(env)])
    for (const s of started) if (s.status === 'fulfilled') apis.push(s.value)
    assert.equal(apis.length, 2, 'both APIs started')
    await Promise.all(workers.map((w) => w.waitForLog((l) => l.msg === 'worker started')))
  })

  afterAll(async () => {
    await Promise.allSettled([...apis.map((a) => a.process.stop()), ...workers.map((w) => w.stop())])
    await deletePrefix(cluster, prefix)
    cluster.disconnect()
    await relay.close()
  })

  test('1,000 verifications through both APIs: all delivered, rate held across both workers, one worker killed', async () => {
    const [apiA, apiB] = apis
    const [workerA, workerB] = workers
    assert.ok(apiA && apiB && workerA && workerB)
    const sentBy = (w: ServiceProcess): number => w.lines.filter((l) => l.includes('"msg":"job done"') && l.includes('"outcome":"sent"')).length

    const numbers = numbersFrom(0, TOTAL, '202')
    const createStart = Date.now()
    let createMs = 0
    const creating = pool(numbers, CONCURRENT_REQUESTS, async (to, i): Promise<Created> => {
      const api = i % 2
      try {
        const res = await v1At((api === 0 ? apiA : apiB).url, 'POST', '/v1/verifications', { to })
        const body = (await res.json()) as Partial<Verification>
        return { to, api, status: res.status, id: body.id }
      } catch (error) {
        // No answer at all: keep going, and say why in the assertion below.
        const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
        return { to, api, status: 0, id: undefined, error: `${String(error)}${cause}` }
      }
    }).finally(() => {
      createMs = Date.now() - createStart
    })

    // The rate, over whole seconds from the first SMS, while both workers are alive.
    const first = await eventually(() => Promise.resolve(relay.messages[0]?.receivedAt), 20_000, 'the first SMS')
    await new Promise((r) => setTimeout(r, Math.max(0, first + RATE_WINDOW_S * 1_000 + 500 - Date.now())))
    const inWindow = relay.messages.filter((m) => m.receivedAt >= first && m.receivedAt < first + RATE_WINDOW_S * 1_000).length
    const rate = inWindow / RATE_WINDOW_S
    const shares: [number, number] = [sentBy(workerA), sentBy(workerB)]

    // Mid-run: kill worker A outright (no graceful close); its jobs must go to B once their 3 s locks lapse.
    const atKill = relay.messages.length
    await workerA.stop('SIGKILL')
    console.log(`rate over ${RATE_WINDOW_S} s with both workers: ${rate}/s (limit ${RATE}/s); sent before the kill: A ${shares[0]}, B ${shares[1]}; SMS at the relay when A was killed: ${atKill}/${TOTAL}`)

    const created = await creating
    console.log(`${TOTAL} creates through two APIs, ${CONCURRENT_REQUESTS} at a time: ${createMs} ms (${Math.round((TOTAL * 1000) / createMs)}/s, while both workers sent)`)
    const refused = created.filter((c) => c.status !== 201)
    assert.deepEqual(refused.map((c) => `API ${c.api}: ${c.status} ${c.error ?? ''}`), [], 'every create answered 201')

    const perNumber = new Map<string, number>()
    await eventually(
      () => {
        perNumber.clear()
        for (const m of relay.messages) perNumber.set(m.to, (perNumber.get(m.to) ?? 0) + 1)
        return Promise.resolve(numbers.every((n) => perNumber.has(n)) ? true : undefined)
      },
      60_000,
      'an SMS for every number',
    )
    const finished = Date.now()
    const duplicates = [...perNumber.values()].reduce((sum, c) => sum + c - 1, 0)
    console.log(`delivered to ${perNumber.size}/${TOTAL} numbers, ${relay.messages.length} SMS, ${duplicates} duplicates; B sent ${sentBy(workerB)} in all; last SMS ${Math.round((finished - first) / 100) / 10} s after the first`)

    assert.equal(perNumber.size, TOTAL, 'every number got its SMS')
    assert.ok(rate >= RATE * 0.9 && rate <= RATE * 1.1, `rate ${rate}/s is not within 10% of ${RATE}/s`)
    // Both workers took part while the rate was measured, so the limit held across processes, not inside one.
    assert.ok(shares.every((s) => s >= RATE), `both workers sent before the kill: ${shares.join(' / ')}`)
    assert.ok(atKill < TOTAL - 4 * RATE, 'the kill came mid-run, with work left for the other worker')
    assert.ok(sentBy(workerB) > shares[1] + 2 * RATE, 'the surviving worker went on sending')
    // At most the killed worker's in-flight sends can be repeated (sent, but not yet recorded as sent).
    assert.ok(duplicates <= 50, `${duplicates} duplicate SMS`)

    const queue = new Queue(QUEUE_NAME, { connection: cluster, prefix: createKeys(prefix).queuePrefix })
    try {
      // The last jobs may still be recording their sends; give them a moment to finish.
      const counts = await eventually(
        async () => {
          const c = await queue.getJobCounts('failed', 'waiting', 'active', 'delayed')
          return (c.active ?? 0) + (c.waiting ?? 0) + (c.delayed ?? 0) === 0 ? c : undefined
        },
        15_000,
        'the queue to drain',
      )
      assert.equal(counts.failed, 0, 'no job failed')
    } finally {
      await queue.close()
    }

    // A code sent for a verification made through one API checks out through the other, by number and by id.
    const sample = [...created.filter((c) => c.api === 0).slice(0, 20), ...created.filter((c) => c.api === 1).slice(0, 20)]
    for (const [i, c] of sample.entries()) {
      const code = codeIn(relay.messages.find((m) => m.to === c.to)?.body ?? '')
      assert.ok(code !== undefined && c.id !== undefined)
      const other = c.api === 0 ? apiB : apiA
      const target = i % 2 === 0 ? { to: c.to } : { id: c.id }
      const res = await v1At(other.url, 'POST', '/v1/verifications/check', { ...target, code })
      assert.equal(res.status, 200)
      const body = (await res.json()) as { status: string; valid: boolean }
      assert.deepEqual([body.valid, body.status], [true, 'approved'])
    }
  })
})
