import { Worker, type Job } from 'bullmq'
import type { RedisClient } from '../shared/redis.js'
import type { Config } from '../shared/config/index.js'
import type { EventJob } from '../shared/events.js'
import { CALL_QUEUE_NAME, EVENTS_QUEUE_NAME, QUEUE_NAME, type Keys } from '../shared/keys.js'
import { sendJobRetention, type SendJob } from '../shared/jobs.js'
import type { Logger } from '../shared/logger.js'
import { sendBackoff } from './backoff.js'
import type { JobOutcome, WorkerControl } from './processor.js'
import { webhookBackoff } from './webhooks.js'

export interface WorkerDeps {
  readonly config: Pick<Config, 'worker' | 'calls'>
  /** a `queue`-role connection (maxRetriesPerRequest: null); BullMQ duplicates it for its blocking reads */
  readonly connection: RedisClient
  readonly keys: Keys
  readonly processor: (job: Job<SendJob>, token: string | undefined, control: WorkerControl) => Promise<JobOutcome>
  readonly logger: Logger
  /** the SMS queue (default) or the call queue */
  readonly channel?: 'sms' | 'call'
}

const UNLIMITED_PER_SECOND = 1_000_000

/**
 * A BullMQ worker on the SMS queue or on the call queue. For SMS, `SEND_RATE_PER_SECOND` becomes BullMQ's limiter,
 * which is kept in Redis and so holds across every worker process sharing the queue. Calls are bounded by
 * `MAX_CONCURRENT_CALLS` per process instead: a call holds its job for as long as it rings and speaks.
 */
export function createWorker(deps: WorkerDeps): Worker<SendJob, JobOutcome> {
  const { config, logger } = deps
  const calls = deps.channel === 'call'
  const control: WorkerControl = { throttle: (ms) => worker.rateLimit(ms) }
  const worker: Worker<SendJob, JobOutcome> = new Worker<SendJob, JobOutcome>(calls ? CALL_QUEUE_NAME : QUEUE_NAME, (job, token) => deps.processor(job, token, control), {
    connection: deps.connection,
    prefix: deps.keys.queuePrefix,
    concurrency: calls ? config.calls.maxConcurrent : config.worker.concurrency,
    // A job whose worker stops renewing its lock (killed, frozen) goes back to the queue after this long.
    lockDuration: config.worker.lockMs,
    stalledInterval: Math.max(1_000, Math.floor(config.worker.lockMs / 2)),
    // Always a limiter: without one, BullMQ ignores the hold a provider 429 puts on the queue (worker.rateLimit)
    // in every other worker and fetch slot. "No limit" is one no provider reaches.
    limiter: { max: !calls && config.worker.ratePerSecond > 0 ? config.worker.ratePerSecond : UNLIMITED_PER_SECOND, duration: 1_000 },
    settings: { backoffStrategy: sendBackoff },
    ...sendJobRetention,
  })
  worker.on('error', (err) => logger.warn({ err: err.message }, 'worker error'))
  worker.on('failed', (job, err) => {
    if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      logger.warn({ jobId: job.id, attempts: job.attemptsMade, err: err.message.slice(0, 200) }, 'job gave up')
    }
  })
  return worker
}

/**
 * The worker of the webhook events queue (shared/events.ts): receivers are slow or down at times, so it has its own
 * jobs, concurrency and retry schedule (WEBHOOK_RETRY_SCHEDULE), apart from the sends.
 */
export function createEventsWorker(deps: {
  readonly config: Pick<Config, 'worker' | 'webhooks'>
  readonly connection: RedisClient
  readonly keys: Keys
  readonly processor: (job: Job<EventJob>, token: string | undefined) => Promise<string>
  readonly logger: Logger
}): Worker<EventJob, string> {
  const worker = new Worker<EventJob, string>(EVENTS_QUEUE_NAME, (job, token) => deps.processor(job, token), {
    connection: deps.connection,
    prefix: deps.keys.queuePrefix,
    concurrency: EVENTS_CONCURRENCY,
    lockDuration: deps.config.worker.lockMs,
    stalledInterval: Math.max(1_000, Math.floor(deps.config.worker.lockMs / 2)),
    settings: { backoffStrategy: webhookBackoff(deps.config.webhooks.retrySchedule) },
  })
  worker.on('error', (err) => deps.logger.warn({ err: err.message }, 'events worker error'))
  worker.on('failed', (job, err) => {
    if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      deps.logger.warn({ jobId: job.id, attempts: job.attemptsMade, lastAnswer: err.message.slice(0, 200) }, 'webhook event given up')
    }
  })
  return worker
}

/** Webhook requests in flight per worker process: each waits on a receiver, at most WEBHOOK_TIMEOUT_MS. */
const EVENTS_CONCURRENCY = 20
