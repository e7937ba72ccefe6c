import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq'
import { z } from 'zod'
import type { Config } from './config/index.js'
import { EVENTS_QUEUE_NAME, type Keys } from './keys.js'
import type { Logger } from './logger.js'
import type { Secrets } from './secrets.js'
import type { Verification } from './verification.js'

/*
 * Events for the application's webhooks (WEBHOOK_URLS): where a verification or its delivery changes state, an
 * event is queued, one job per receiver, on a queue of its own that the worker drains (worker/webhooks.ts), so a slow
 * receiver never slows the API or SMS delivery. The API queues the verification events, the worker the delivery
 * ones and, from a timer job queued at creation, `verification.expired`.
 *
 * Each event has a stable id made of what it reports (the verification, the send attempt, the state): queuing it
 * again is a no-op while its job exists, so an event goes out once per transition, and its id is the
 * `webhook-id` of every attempt. The body holds the Verification, phone number included, so a job keeps it sealed.
 */

export const EVENT_TYPES = [
  'verification.created',
  'verification.approved',
  'verification.canceled',
  'verification.expired',
  'verification.max_attempts_reached',
  'delivery.sent',
  'delivery.delivered',
  'delivery.undelivered',
  'delivery.failed',
] as const

export type EventType = (typeof EVENT_TYPES)[number]

export const WEBHOOK_JOB_NAME = 'webhook'
export const EXPIRY_JOB_NAME = 'expiry'
export const WEBHOOK_BACKOFF_TYPE = 'webhook'

/** One delivery of one event to one receiver; what it posts is sealed (url and body). */
export const webhookJobSchema = z.object({
  /** the event's id: its `webhook-id` */
  eventId: z.string().max(120),
  type: z.enum(EVENT_TYPES),
  /** which of WEBHOOK_URLS, for the logs and metrics */
  target: z.number().int().nonnegative(),
  sealed: z.string().max(20_000),
  /** when the event happened (ms), for the delivery latency */
  at: z.number().int().nonnegative(),
})
export type WebhookJob = z.infer<typeof webhookJobSchema>

/** The timer of `verification.expired`: due at the verification's expiry. */
export const expiryJobSchema = z.object({ verificationId: z.string().max(64) })
export type ExpiryJob = z.infer<typeof expiryJobSchema>

export type EventJob = WebhookJob | ExpiryJob

/** What a webhook request carries, sealed in its job. */
export interface WebhookPayload {
  readonly url: string
  readonly body: string
}

export function createEventsQueue(connection: ConnectionOptions, keys: Keys): Queue<EventJob> {
  return new Queue<EventJob>(EVENTS_QUEUE_NAME, { connection, prefix: keys.queuePrefix, streams: { events: { maxLen: 1_000 } } })
}

/** Seal scope of a webhook payload: the event id and the receiver, so a sealed payload opens for its own job only. */
export function payloadScope(eventId: string, target: number): string {
  return `webhook:${eventId}:${target}`
}

export function openPayload(secrets: Secrets, job: WebhookJob): WebhookPayload {
  return JSON.parse(secrets.open(payloadScope(job.eventId, job.target), job.sealed)) as WebhookPayload
}

export interface EventEmitter {
  /** whether any receiver is configured; without one nothing is queued and nothing costs a round trip */
  readonly active: boolean
  /** Queues `type` for `verification`, once per `key` (what makes the transition unique: id, attempt, state). */
  emit(type: EventType, verification: Verification, key: string): Promise<void>
  /** verification.created, and the timer that will tell verification.expired: one round trip. */
  created(verification: Verification): Promise<void>
}

export function createEventEmitter(deps: {
  readonly queue: Pick<Queue<EventJob>, 'addBulk'>
  readonly secrets: Secrets
  readonly config: Pick<Config, 'webhooks'>
  readonly logger: Logger
  readonly now: () => number
}): EventEmitter {
  const { config, secrets } = deps
  const urls = config.webhooks.urls
  const jobOptions: JobsOptions = {
    attempts: config.webhooks.retrySchedule.length + 1,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    removeOnComplete: { age: 86_400, count: 10_000 },
    // A dead event stays visible (Bull Board, with its last answer) for a week.
    removeOnFail: { age: 7 * 86_400, count: 10_000 },
  }

  function jobsFor(type: EventType, verification: Verification, key: string): Array<{ name: string; data: EventJob; opts: JobsOptions }> {
    const at = deps.now()
    const eventId = `evt_${key}`
    const body = JSON.stringify({ type, timestamp: new Date(at).toISOString(), data: verification })
    return urls.map((url, target) => ({
      name: WEBHOOK_JOB_NAME,
      data: { eventId, type, target, at, sealed: secrets.seal(payloadScope(eventId, target), JSON.stringify({ url, body } satisfies WebhookPayload)) },
      opts: { ...jobOptions, jobId: `${eventId}.${target}` },
    }))
  }

  return {
    active: urls.length > 0,
    async emit(type, verification, key) {
      if (urls.length === 0) return
      await deps.queue.addBulk(jobsFor(type, verification, key))
    },
    async created(verification) {
      if (urls.length === 0) return
      const delay = Math.max(0, Date.parse(verification.expiresAt) - deps.now())
      await deps.queue.addBulk([
        ...jobsFor('verification.created', verification, `${verification.id}.created`),
        { name: EXPIRY_JOB_NAME, data: { verificationId: verification.id }, opts: { jobId: `${verification.id}.expiry`, delay, removeOnComplete: true, removeOnFail: { age: 86_400 } } },
      ])
    },
  }
}

/** The event of a delivery state, if it has one (`queued`, `sending` and `skipped` have none). */
export function deliveryEvent(status: string): EventType | undefined {
  switch (status) {
    case 'sent':
      return 'delivery.sent'
    case 'delivered':
      return 'delivery.delivered'
    case 'undelivered':
      return 'delivery.undelivered'
    case 'failed':
      return 'delivery.failed'
    default:
      return undefined
  }
}
