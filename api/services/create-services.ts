import type { Queue } from 'bullmq'
import type { Config } from '../../shared/config/index.js'
import { createEventEmitter, type EventJob } from '../../shared/events.js'
import type { SendJob } from '../../shared/jobs.js'
import type { Keys } from '../../shared/keys.js'
import type { Logger } from '../../shared/logger.js'
import type { ApiMetrics } from '../../shared/metrics.js'
import type { RedisClient } from '../../shared/redis.js'
import type { Secrets } from '../../shared/secrets.js'
import { createServiceStore, type ServiceStore } from '../../shared/service-store.js'
import { createRateLimitStore, type RateLimitStore } from '../v2/rate-limit-store.js'
import { createVerificationStore, type VerificationStore } from '../../shared/store/verification-store.js'
import { createIdempotencyStore } from '../idempotency.js'
import { createSharedLimits } from '../limits/shared-limits.js'
import { createFraudGuard, type FraudGuard } from '../fraud/guard.js'
import { createQueueSaturation } from './queue-saturation.js'
import { createVerificationService, type VerificationService } from './verifications.js'

export interface ServiceDeps {
  readonly config: Config
  readonly redis: RedisClient
  readonly keys: Keys
  readonly secrets: Secrets
  readonly queue: Queue<SendJob>
  readonly callQueue: Queue<SendJob>
  /** webhook events (shared/events.ts) */
  readonly eventsQueue: Queue<EventJob>
  readonly logger: Logger
  readonly metrics: ApiMetrics
  readonly now: () => number
}

/** The API's services, wired the same way by main.ts and by the tests. */
export function createServices(deps: ServiceDeps): { store: VerificationStore; verifications: VerificationService; serviceStore: ServiceStore; rateLimits: RateLimitStore; fraud: FraudGuard } {
  const { config, redis, keys, secrets, queue, callQueue, eventsQueue, logger, metrics, now } = deps
  const store = createVerificationStore({ redis, keys, secrets, config, now })
  const fraud = createFraudGuard({ redis, keys, secrets, config, logger, metrics, now })
  const verifications = createVerificationService({
    config,
    store,
    limits: createSharedLimits({ redis, keys, secrets, config, now }),
    idempotency: createIdempotencyStore({ redis, keys, secrets }),
    saturation: createQueueSaturation({ queue, config, now }),
    queue,
    callQueue,
    logger,
    metrics,
    now,
    fraud,
    events: createEventEmitter({ queue: eventsQueue, secrets, config, logger, now }),
  })
  return { store, verifications, serviceStore: createServiceStore({ redis, keys, config, now }), rateLimits: createRateLimitStore({ redis, keys, now }), fraud }
}
