import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { startFakeRelay, type FakeRelay } from '../fake-relay/server.js'
import type { ServiceProcess } from '../helpers/processes.js'
import { randomPrefix, TEST_REDIS_URL } from '../helpers/redis.js'
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js'
import { TEST_PROJECT, TEST_TOKEN } from '../helpers/worker.js'
import type { Verification } from '../../shared/verification.js'
import { apiClient, type ApiClient } from './harness/api-client.js'
import { dropPrefix, numbers, serviceEnv, sleep, startApiProcess, startWorkerProcess, waitFor, tearDown } from './harness/stack.js'

/*
 * (i) Webhook delivery when things go wrong: a worker SIGKILLed with webhook requests in flight (its jobs go back to
 * the queue after WORKER_LOCK_SECONDS and another worker sends them), and a receiver down for a whole burst (the
 * retry schedule carries every event until it is back). At least once, each request signed.
 */
const EVENTS = ['verification.created', 'delivery.sent', 'delivery.delivered'] as const

function webhookEnv(receiver: WebhookReceiver, path: string, redisPrefix: string, relayUrl: string): Record<string, string> {
  return serviceEnv({
    redisUrl: TEST_REDIS_URL,
    prefix: redisPrefix,
    relayUrl,
    extra: {
      WEBHOOK_URLS: `${receiver.url}${path}`,
      WEBHOOK_SECRET: receiver.secret,
      WEBHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1',
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    },
  })
}

/** Every expected event (created, sent, delivered of each verification) that `receiver` took with a 2xx at `path`. */
function missing(receiver: WebhookReceiver, path: string, made: readonly Verification[]): string[] {
  const got = new Set(receiver.at(path).filter((r) => r.status >= 200 && r.status < 300 && r.verified).map((r) => `${String(r.data.id)} ${r.type}`))
  return made.flatMap((v) => EVENTS.map((type) => `${v.id} ${type}`)).filter((e) => !got.has(e))
}

describe('delivery (i): webhooks', () => {
  const processes: ServiceProcess[] = []
  const prefixes = [randomPrefix('hookkill'), randomPrefix('hookdown')]
  let relay: FakeRelay
  let receiver: WebhookReceiver

  beforeAll(async () => {
    relay = await startFakeRelay({ project: TEST_PROJECT, token: TEST_TOKEN })
    receiver = await startWebhookReceiver()
  })
  afterAll(async () => {
    await receiver.close()
    await tearDown(processes, () => relay, () => Promise.all(prefixes.map(dropPrefix)))
  })

  async function delivered(api: ApiClient, made: readonly Verification[]): Promise<void> {
    await waitFor('every SMS delivered', async () => ((await api.getAll(made.map((v) => v.id))).every((v) => v.delivery.status === 'delivered') ? true : undefined), 30_000, 200)
  }

  test('a worker SIGKILLed with webhook requests in flight: every event still arrives, signed', async () => {
    const env = webhookEnv(receiver, '/slow', prefixes[0] ?? '', relay.url)
    const started = await startApiProcess(env, 'api-kill', processes)
    const api = apiClient(started.url)
    const first = await startWorkerProcess(env, 'worker-1', processes)
    receiver.slowMs = 1_000
    const made = await api.createAll(numbers(9000, 30))
    await delivered(api, made)
    // 90 events, each answered after a second, 20 at a time: the kill finds requests in flight.
    await waitFor('some events taken', () => (receiver.at('/slow').filter((r) => r.status === 200).length >= 20 ? true : undefined), 30_000, 20)
    const inFlight = receiver.at('/slow').filter((r) => r.status === 0).length
    await first.stop('SIGKILL')
    await startWorkerProcess(env, 'worker-2', processes)
    receiver.slowMs = 20
    await waitFor('every event at the receiver', () => (missing(receiver, '/slow', made).length === 0 ? true : undefined), 60_000, 200)
    const requests = receiver.at('/slow')
    const twice = requests.length - new Set(requests.map((r) => r.id)).size
    console.log(`# (i) kill: ${inFlight} requests in flight at the kill; ${requests.length} requests for ${made.length * EVENTS.length} events (${twice} repeated)`)
    assert.ok(inFlight > 0, 'the worker was killed mid-delivery')
    assert.ok(requests.every((r) => r.verified))
  })

  test('a receiver down for a whole burst gets every event once it is back, each taken once', async () => {
    const env = webhookEnv(receiver, '/down', prefixes[1] ?? '', relay.url)
    const started = await startApiProcess(env, 'api-down', processes)
    const api = apiClient(started.url)
    await startWorkerProcess(env, 'worker-down', processes)
    receiver.down = true
    const made = await api.createAll(numbers(9500, 20))
    await delivered(api, made)
    await sleep(2_500)
    assert.equal(receiver.at('/down').filter((r) => r.status === 200).length, 0, 'nothing was taken while it was down')
    assert.ok(receiver.at('/down').length >= made.length, 'attempts were made meanwhile')
    receiver.down = false
    await waitFor('every event once the receiver is back', () => (missing(receiver, '/down', made).length === 0 ? true : undefined), 30_000, 200)
    await sleep(1_500)
    const taken = receiver.at('/down').filter((r) => r.status === 200)
    assert.equal(taken.length, new Set(taken.map((r) => r.id)).size, 'no event taken twice')
    assert.equal(taken.length, made.length * EVENTS.length)
  })
})
