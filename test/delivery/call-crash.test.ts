import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { dropPrefix, numbers, queueProbe, serviceEnv, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (h) A worker SIGKILLed in the middle of its calls. Its call jobs go back to the queue (stalled, after
 * WORKER_LOCK_SECONDS) and a second worker takes them:
 * - a call that had been answered was recorded as `sent` with its call id before the code was spoken, so the second
 *   worker's claim finds it already made and does not call again;
 * - a call still ringing had recorded nothing: it is placed once more.
 * So each call in flight at the kill is placed at most twice, and only the ringing ones are.
 */
const CALLS = 8
const MAX_CONCURRENT = 4

describe('delivery (h): a worker killed mid-call', () => {
  const prefix = randomPrefix('callcrash')
  const processes: ServiceProcess[] = []
  let relay: FakeRelay
  let api: ApiClient
  let env: Record<string, string>

  beforeAll(async () => {
    // Rings for a while, speaks for longer: the kill finds calls in both phases.
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN, playbackMs: 2_500 })
    env = serviceEnv({ redisUrl: TEST_REDIS_URL, prefix, relayUrl: relay.url, extra: { MAX_CONCURRENT_CALLS: String(MAX_CONCURRENT) } })
    const started = await startApiProcess(env, 'api', processes)
    api = apiClient(started.url)
  })

  afterAll(() => tearDown(processes, () => relay, () => dropPrefix(prefix)))

  test(`SIGKILL with ${MAX_CONCURRENT} calls up: every number is called, none more than twice, and only calls still ringing twice`, async () => {
    const tos = numbers(8000, CALLS)
    // The first two answer quickly; the others are still ringing when the first code is being spoken.
    for (const [i, to] of tos.entries()) relay.setRingTime(i < 2 ? 300 : 4_000, to)
    const made: Verification[] = []
    for (const to of tos) {
      const answer = await api.call<Verification>('POST', '/v1/verifications', { to, channel: 'call' })
      assert.equal(answer.status, 201)
      made.push(answer.body)
    }
    const first = await startWorkerProcess(env, 'worker-1', processes)
    // Wait until one call is answered (speaking) and the others are still up: then kill.
    await waitFor('a call speaking', () => (relay.calls.some((c) => c.state === 'answered' && c.tts.length > 0) ? true : undefined), 20_000, 20)
    await first.stop('SIGKILL')
    const atKill = relay.calls.map((c) => ({ to: c.to, answered: c.answeredAt !== undefined }))
    assert.ok(atKill.length > 0 && atKill.length <= MAX_CONCURRENT, `${atKill.length} calls placed before the kill`)

    await startWorkerProcess(env, 'worker-2', processes)
    await waitFor('a call to every number', () => (tos.every((to) => relay.calls.some((c) => c.to === to)) ? true : undefined), 60_000)
    const probe = queueProbe(TEST_REDIS_URL, prefix, 'call')
    try {
      await waitFor('the call queue to drain', async () => ((await probe.unfinished()) === 0 ? true : undefined), 60_000, 250)
    } finally {
      await probe.close()
    }

    const answeredAtKill = new Set(atKill.filter((c) => c.answered).map((c) => c.to))
    const ringingAtKill = new Set(atKill.filter((c) => !c.answered).map((c) => c.to))
    let extra = 0
    for (const to of tos) {
      const placed = relay.calls.filter((c) => c.to === to).length
      const allowed = ringingAtKill.has(to) ? 2 : 1
      assert.ok(placed >= 1 && placed <= allowed, `${to}: ${placed} calls (answered at the kill: ${answeredAtKill.has(to)})`)
      extra += placed - 1
      // Someone heard the code to the end: the playback of one of its calls finished.
      assert.ok(
        relay.calls.some((c) => c.to === to && c.tts.some((t) => t.outcome === 'finished' || t.outcome === 'playing')),
        `${to}: the code was spoken`,
      )
    }
    console.log(`# (h) ${atKill.length} calls up at the kill (${answeredAtKill.size} answered); extra calls after takeover: ${extra}`)
    assert.ok(extra <= ringingAtKill.size)
    assert.ok(answeredAtKill.size > 0 && ringingAtKill.size > 0, 'the kill found calls speaking and calls ringing')

    // The verifications: delivered, or `sent` for a call answered by the killed worker (its end went with it).
    const final = await api.getAll(made.map((v) => v.id))
    for (const v of final) {
      const expected = answeredAtKill.has(v.to) ? ['sent', 'delivered'] : ['delivered']
      assert.ok(expected.includes(v.delivery.status), `${v.to}: ${v.delivery.status}`)
    }
  })
})
