import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import type { Cluster } from 'ioredis'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { deletePrefix, randomPrefix } from '../helpers/redis.js'
import { eventually, TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import { clusterPorts, healCluster, keyslot, killNode, nodeClient, numbersFrom, primaryOfSlot, serviceEnv, startServices, testCluster, v1At } from './helpers.js'

/*
 * Failover: the primary that holds the queue's slot is SIGKILLed while requests keep coming. Its replica takes over
 * after cluster-node-timeout (2 s); meanwhile the API answers 503, and afterwards it recovers by itself, as does the
 * worker. The killed node is restarted (it rejoins as a replica) so the cluster is healthy for whatever runs next.
 */

const LANES = 4
const PACE_MS = 25
const REQUEST_TIMEOUT_MS = 5_000
const STEADY_BEFORE_MS = 2_000
/** Recovered: this long without a failure, after at least one. */
const STEADY_AFTER_MS = 3_000
const RECOVERY_LIMIT_MS = 30_000

interface Sample {
  readonly to: string
  readonly start: number
  readonly end: number
  /** HTTP status, or 0 when the request got no answer in time */
  readonly status: number
}

function* freshNumbers(): Generator<string> {
  for (const area of ['305', '404', '503', '617', '713', '818']) yield* numbersFrom(0, 8_999, area)
}

describe('failover: a primary dies while requests keep coming', () => {
  const prefix = randomPrefix('failover')
  let relay: FakeRelay
  let cluster: Cluster
  let api: ServiceProcess | undefined
  let worker: ServiceProcess | undefined
  let url: string

  beforeAll(async () => {
    cluster = await testCluster()
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    const env = serviceEnv(prefix, relay.url)
    ;({ api, worker, url } = await startServices(env))
  })

  afterAll(async () => {
    await Promise.allSettled([api?.stop(), worker?.stop()])
    try {
      await healCluster()
      await deletePrefix(cluster, prefix)
    } finally {
      cluster.disconnect()
      await relay.close()
    }
  })

  test('503 for a short window, then 201 again without a restart; the worker sends again too', async () => {
    const probe = nodeClient(clusterPorts()[0] ?? 0)
    let victim: number
    try {
      victim = await primaryOfSlot(probe, await keyslot(probe, `{${prefix}}`))
    } finally {
      probe.disconnect()
    }

    const numbers = freshNumbers()
    const samples: Sample[] = []
    const started = Date.now()
    let killedAt: number | undefined
    let stop = false

    const lane = async (): Promise<void> => {
      while (!stop) {
        const next = numbers.next()
        if (next.done === true) throw new Error('out of numbers')
        const start = Date.now()
        const status = await v1At(url, 'POST', '/v1/verifications', { to: next.value }, REQUEST_TIMEOUT_MS).then(
          async (r) => {
            await r.body?.cancel()
            return r.status
          },
          () => 0,
        )
        samples.push({ to: next.value, start, end: Date.now(), status })
        await new Promise((r) => setTimeout(r, PACE_MS))
      }
    }
    const control = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, STEADY_BEFORE_MS))
      killedAt = Date.now()
      await killNode(victim)
      for (;;) {
        await new Promise((r) => setTimeout(r, 100))
        const now = Date.now()
        const lastFailure = samples.filter((s) => s.status !== 201).at(-1)
        if (lastFailure !== undefined && now - lastFailure.end >= STEADY_AFTER_MS) break
        if (now - killedAt > RECOVERY_LIMIT_MS + STEADY_AFTER_MS) break
      }
      stop = true
    }
    await Promise.all([control(), ...Array.from({ length: LANES }, lane)])

    assert.ok(killedAt !== undefined)
    const kill = killedAt
    const before = samples.filter((s) => s.end < kill)
    const failures = samples.filter((s) => s.status !== 201)
    const firstFailure = failures[0]
    const lastFailure = failures.at(-1)
    const recovered = samples.find((s) => lastFailure !== undefined && s.start > lastFailure.end && s.status === 201)
    const byStatus: Record<string, number> = {}
    for (const s of samples) byStatus[String(s.status)] = (byStatus[String(s.status)] ?? 0) + 1
    console.log(
      `killed primary :${victim} at +${kill - started} ms; answers ${JSON.stringify(byStatus)}; ` +
        (firstFailure === undefined || lastFailure === undefined || recovered === undefined
          ? 'no failure window'
          : `first 503 at kill+${firstFailure.end - kill} ms, last at kill+${lastFailure.end - kill} ms: 503 window ${lastFailure.end - firstFailure.end} ms; ` +
            `201 again from kill+${recovered.end - kill} ms`),
    )

    assert.ok(before.length > 20 && before.every((s) => s.status === 201), 'steady 201s before the kill')
    assert.ok(firstFailure !== undefined && lastFailure !== undefined, 'losing the primary of the queue slot is visible as 503')
    assert.deepEqual([...new Set(failures.map((s) => s.status))], [503], 'every failure is a quick 503: no 500, no request left hanging')
    assert.ok(recovered !== undefined, 'answers 201 again after the failover')
    assert.ok(recovered.end - kill <= RECOVERY_LIMIT_MS, `recovered ${recovered.end - kill} ms after the kill`)
    const after = samples.filter((s) => s.start > lastFailure.end)
    assert.ok(after.length >= 20 && after.every((s) => s.status === 201), 'steady 201s after the failover')

    // The worker came through the failover too: every verification created after it is sent.
    const afterNumbers = new Set(after.map((s) => s.to))
    await eventually(
      () => Promise.resolve([...afterNumbers].every((n) => relay.messages.some((m) => m.to === n)) ? true : undefined),
      30_000,
      'SMS for the verifications created after the failover',
    )
    // Before the kill, a write the primary acknowledged but had not yet passed to its replica can be lost.
    const beforeNumbers = before.map((s) => s.to)
    const lost = beforeNumbers.filter((n) => !relay.messages.some((m) => m.to === n))
    console.log(`SMS sent for ${beforeNumbers.length - lost.length}/${beforeNumbers.length} verifications created before the kill, ${afterNumbers.size}/${afterNumbers.size} after`)
  })
})
