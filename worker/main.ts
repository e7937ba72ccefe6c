import type { Worker } from 'bullmq'
import { boot } from '../shared/boot.js'
import type { Config } from '../shared/config/index.js'
import { createEventEmitter, createEventsQueue, type EventJob } from '../shared/events.js'
import { createCallQueue, type SendJob } from '../shared/jobs.js'
import { createKeys } from '../shared/keys.js'
import { handleShutdown } from '../shared/lifecycle.js'
import type { Logger } from '../shared/logger.js'
import { closeRedis, createRedis } from '../shared/redis.js'
import { createSecrets } from '../shared/secrets.js'
import { createServiceStore } from '../shared/service-store.js'
import type { ServiceRef } from '../shared/services.js'
import { createVerificationStore, type VerificationStore } from '../shared/store/verification-store.js'
import { createDeliveryEvents, type DeliveryEvents } from './delivery-events.js'
import { createFallbacks, type Fallbacks } from './fallbacks.js'
import { createWebhookProcessor } from './webhooks.js'
import { createProcessor, type JobOutcome } from './processor.js'
import { createReceiptRecorder } from './receipts.js'
import { createConsoleSender } from './senders/console.js'
import { withDevOutbox } from './senders/with-outbox.js'
import { createDevOutbox, type DevOutbox } from '../shared/dev-outbox.js'
import type { Sender } from './senders/sender.js'
import { createSignalWireSender, SignalWireAuthError } from './senders/signalwire.js'
import { serve } from '@hono/node-server'
import { createWorkerMetrics, type WorkerMetrics } from '../shared/metrics.js'
import { createWorkerAdminApp } from './admin.js'
import { instrumentWorker } from './instrument.js'
import { createProviderGate, type ProviderGate } from './provider-gate.js'
import { createEventsWorker, createWorker } from './worker.js'

/** The worker process: one provider client, a BullMQ worker for SMS and one for calls, closed in order on SIGTERM. */
async function main(): Promise<void> {
  const { config, logger } = boot('worker')
  const now = (): number => Date.now()
  const keys = createKeys(config.redis.keyPrefix)
  const redis = createRedis(config, 'queue')
  redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'))
  const secrets = createSecrets(config.secret.key, config.secret.previous)
  const store = createVerificationStore({ redis, keys, secrets, config, now })
  const services = createServiceStore({ redis, keys, config, now })
  // Only to bring fallback calls forward; the API queues them.
  const callQueue = createCallQueue(redis, keys, config)
  callQueue.on('error', (err) => logger.debug({ err: err.message }, 'queue error'))
  const fallbacks = createFallbacks(callQueue)
  // Webhook events: the delivery ones are queued here, and the events worker sends them all.
  const eventsQueue = createEventsQueue(redis, keys)
  eventsQueue.on('error', (err) => logger.debug({ err: err.message }, 'queue error'))
  const events = createEventEmitter({ queue: eventsQueue, secrets, config, logger, now })
  const delivered = createDeliveryEvents({ store, events, logger })

  // Filled in as boot goes on; a SIGTERM while waiting for the provider still closes what exists.
  const running: { sender?: Sender; worker?: Worker<SendJob, JobOutcome>; callWorker?: Worker<SendJob, JobOutcome>; eventsWorker?: Worker<EventJob, string> } = {}
  const metrics = createWorkerMetrics()
  const gate = createProviderGate({ logger, onChange: (up) => metrics.providerConnected.set(up ? 1 : 0) })
  const admin = serve(
    {
      fetch: createWorkerAdminApp({ config, worker: () => running.worker, providerConnected: () => gate.connected, redis, metrics }).fetch,
      port: config.admin.workerPort,
      hostname: config.admin.host,
    },
    (info) => logger.info({ port: info.port, host: config.admin.host }, 'worker listener: /healthz and /metrics'),
  )
  // A taken port must not stop delivery; the failing healthcheck says it instead.
  admin.on('error', (err: Error) => logger.error({ err: err.message, port: config.admin.workerPort }, 'worker listener could not start'))
  handleShutdown(logger, config.runtime.shutdownTimeoutMs, () => [
    // Stop taking jobs and let the ones in flight finish; unfinished ones return to the queue as stalled.
    {
      name: 'worker',
      run: async () => {
        gate.detach()
        await Promise.all([running.worker?.close(), running.callWorker?.close(), running.eventsWorker?.close()])
      },
    },
    { name: 'queues', run: async () => void (await Promise.all([callQueue.close(), eventsQueue.close()])) },
    { name: 'sender', run: async () => running.sender?.close() },
    { name: 'redis', run: () => closeRedis(redis) },
    { name: 'worker listener', run: () => new Promise<void>((resolve) => admin.close(() => resolve())) },
  ])

  const sender = await createSender(config, store, services.builtIn.default, logger, metrics, gate, createDevOutbox({ redis, keys, secrets }), fallbacks, delivered)
  running.sender = sender
  // 0 while booting (waiting for the provider); the gate keeps it current from here on.
  metrics.providerConnected.set(gate.connected ? 1 : 0)
  const processorDeps = { config, store, services, sender, logger, now, fallbacks, delivered }
  running.worker = createWorker({ config, connection: redis, keys, logger, processor: createProcessor(processorDeps, 'sms') })
  running.callWorker = createWorker({ config, connection: redis, keys, logger, channel: 'call', processor: createProcessor(processorDeps, 'call') })
  instrumentWorker(running.worker, metrics, 'sms')
  instrumentWorker(running.callWorker, metrics, 'call')
  gate.attach(running.worker)
  gate.attach(running.callWorker)
  // Without receivers the events queue stays empty: no worker for it.
  if (events.active) {
    running.eventsWorker = createEventsWorker({ config, connection: redis, keys, logger, processor: createWebhookProcessor({ config, secrets, store, events, logger, metrics, now }) })
  }
  logger.info(
    { provider: sender.name, concurrency: config.worker.concurrency, ratePerSecond: config.worker.ratePerSecond, maxConcurrentCalls: config.calls.maxConcurrent },
    'worker started',
  )
}

async function createSender(
  config: Config,
  store: VerificationStore,
  defaultService: ServiceRef,
  logger: Logger,
  metrics: WorkerMetrics,
  gate: ProviderGate,
  outbox: DevOutbox,
  fallbacks: Fallbacks,
  delivered: DeliveryEvents,
): Promise<Sender> {
  const provider = config.provider
  // The console provider is refused in production by config; its outbox is for the demo page.
  if (provider.kind === 'console') return withDevOutbox(createConsoleSender({ logger }), outbox, logger)
  const recordReceipt = createReceiptRecorder({ store, defaultService, logger, metrics, fallbacks, delivered })
  try {
    return await createSignalWireSender({
      project: provider.project,
      token: provider.token,
      host: provider.host,
      numbers: provider.numbers,
      context: provider.context,
      logger,
      onReceipt: (receipt) => {
        recordReceipt(receipt).catch((err: unknown) => logger.warn({ err }, 'could not record a delivery receipt'))
      },
      onConnectionChange: (up) => gate.set(up),
      onFatal: (reason) => {
        logger.fatal(reason)
        process.exitCode = 1
        process.kill(process.pid, 'SIGTERM')
      },
    })
  } catch (error) {
    if (error instanceof SignalWireAuthError) {
      logger.fatal(error.message)
      process.exit(1)
    }
    throw error
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sms-two-factor-auth worker failed to start: ${String(error)}\n`)
  process.exit(1)
})
