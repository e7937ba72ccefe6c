import { Worker, type Processor } from 'bullmq'
import type { RedisClient } from '../shared/redis.js'
import type { Config } from '../shared/config/index.js'
import { QUEUE_NAME, type Keys } from '../shared/keys.js'
import type { SendJob } from '../shared/jobs.js'
import type { Logger } from '../shared/logger.js'
import { sendBackoff } from './backoff.js'
import type { JobOutcome } from './processor.js'

export interface WorkerDeps {
  readonly config: Pick<Config, 'worker'>
  /** a `queue`-role connection (maxRetriesPerRequest: null); BullMQ duplicates it for its blocking reads */
  readonly connection: RedisClient
  readonly keys: Keys
  readonly processor: Processor<SendJob, JobOutcome>
  readonly logger: Logger
}

/**
 * The BullMQ worker. `SEND_RATE_PER_SECOND` becomes BullMQ's limiter, which is kept in Redis and so holds across
 * every worker process sharing the queue.
 */
export function createWorker(deps: WorkerDeps): Worker<SendJob, JobOutcome> {
  const { config, logger } = deps
  const worker = new Worker<SendJob, JobOutcome>(QUEUE_NAME, deps.processor, {
    connection: deps.connection,
    prefix: deps.keys.queuePrefix,
    concurrency: config.worker.concurrency,
    // A job whose worker stops renewing its lock (killed, frozen) goes back to the queue after this long.
    lockDuration: config.worker.lockMs,
    stalledInterval: Math.max(1_000, Math.floor(config.worker.lockMs / 2)),
    ...(config.worker.ratePerSecond > 0 ? { limiter: { max: config.worker.ratePerSecond, duration: 1_000 } } : {}),
    settings: { backoffStrategy: sendBackoff },
  })
  worker.on('error', (err) => logger.warn({ err: err.message }, 'worker error'))
  worker.on('failed', (job, err) => {
    if (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      logger.warn({ jobId: job.id, attempts: job.attemptsMade, err: err.message.slice(0, 200) }, 'job gave up')
    }
  })
  return worker
}
