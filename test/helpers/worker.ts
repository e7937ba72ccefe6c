import type { Worker } from 'bullmq'
import { createLogger } from '../../shared/logger.js'
import { createRedis } from '../../shared/redis.js'
import { closeRedis } from '../../shared/redis.js'
import { createVerificationStore } from '../../shared/store/verification-store.js'
import type { SendJob } from '../../shared/jobs.js'
import { createProcessor, type JobOutcome } from '../../worker/processor.js'
import { createFallbacks } from '../../worker/fallbacks.js'
import { createReceiptRecorder } from '../../worker/receipts.js'
import type { Sender } from '../../worker/senders/sender.js'
import { createSignalWireSender } from '../../worker/senders/signalwire.js'
import { createWorker } from '../../worker/worker.js'
import { createProviderGate, type ProviderGate } from '../../worker/provider-gate.js'
import type { TestApp } from './app.js'

import { SENDER_NUMBER, TEST_PROJECT, TEST_TOKEN } from './constants.js'

export { SENDER_NUMBER, TEST_PROJECT, TEST_TOKEN } from './constants.js'

export interface TestWorker {
  readonly worker: Worker<SendJob, JobOutcome>
  /** the worker of the call queue */
  readonly callWorker: Worker<SendJob, JobOutcome>
  readonly sender: Sender
  /** pauses the worker while the relay connection is down, as in the worker process */
  readonly gate: ProviderGate
  /** resolves once every receipt handed to the recorder so far has been written */
  settle(): Promise<void>
  close(): Promise<void>
}

/** A real BullMQ worker with the real SignalWire SDK, pointed at a fake relay, sharing the test app's prefix. */
export async function startTestWorker(t: TestApp, relayUrl: string, options: { sendTimeoutMs?: number } = {}): Promise<TestWorker> {
  const redis = createRedis(t.config, 'queue')
  const logger = createLogger(t.config, 'worker')
  const store = createVerificationStore({ redis, keys: t.keys, secrets: t.secrets, config: t.config, now: t.clock.now })
  const fallbacks = createFallbacks(t.callQueue)
  const recordReceipt = createReceiptRecorder({ store, defaultService: t.serviceStore.builtIn.default, logger, fallbacks })
  const pending = new Set<Promise<unknown>>()
  const gate = createProviderGate({ logger })
  const sender = await createSignalWireSender({
    project: TEST_PROJECT,
    token: TEST_TOKEN,
    host: relayUrl,
    numbers: [SENDER_NUMBER],
    context: 'otp',
    logger,
    onReceipt: (receipt) => {
      const p = recordReceipt(receipt).finally(() => pending.delete(p))
      pending.add(p)
    },
    onConnectionChange: (up) => gate.set(up),
    onFatal: () => undefined,
  })
  const config = {
    ...t.config,
    worker: { ...t.config.worker, sendTimeoutMs: options.sendTimeoutMs ?? t.config.worker.sendTimeoutMs },
  }
  const worker = createWorker({
    config,
    connection: redis,
    keys: t.keys,
    logger,
    processor: createProcessor({ config, store, services: t.serviceStore, sender, logger, now: t.clock.now, fallbacks }, 'sms'),
  })
  const callWorker = createWorker({
    config,
    connection: redis,
    keys: t.keys,
    logger,
    channel: 'call',
    processor: createProcessor({ config, store, services: t.serviceStore, sender, logger, now: t.clock.now, fallbacks }, 'call'),
  })
  gate.attach(worker)
  gate.attach(callWorker)
  await Promise.all([worker.waitUntilReady(), callWorker.waitUntilReady()])
  return {
    worker,
    callWorker,
    sender,
    gate,
    async settle() {
      await Promise.allSettled([...pending])
    },
    async close() {
      gate.detach()
      await Promise.all([worker.close(), callWorker.close()])
      await sender.close()
      await closeRedis(redis)
    },
  }
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
