import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq'
import { z } from 'zod'
import type { Config } from './config/index.js'
import { isVerificationId } from './ids.js'
import { CALL_QUEUE_NAME, QUEUE_NAME, type Keys } from './keys.js'

/**
 * One job sends one SMS, or places one call, for one send attempt of one verification. The job carries no number
 * and no code: the worker reads both, sealed, from the verification, which also tells it whether the send is still
 * wanted. SMS jobs are on the `sms` queue, calls on the `call` queue.
 */
export const sendJobSchema = z.object({
  /** verification id */
  id: z.string().refine(isVerificationId, 'not a verification id'),
  /** the verification's sendAttempts when this job was queued */
  attempt: z.number().int().positive(),
  /** the API request that queued it, so API and worker log lines join */
  requestId: z.string().max(128).optional(),
  /** when the API queued it (ms since the epoch), for request-to-delivery timing */
  queuedAt: z.number().int().nonnegative(),
  /** a call queued with an SMS that asked for `fallback: "call"`: placed only if that SMS is not delivered */
  fallback: z.literal(true).optional(),
})

export type SendJob = z.infer<typeof sendJobSchema>

export const SEND_JOB_NAME = 'send-sms'
export const CALL_JOB_NAME = 'send-call'
export const FALLBACK_JOB_NAME = 'fallback-call'

/** The one fallback call job of a verification: the SMS worker's receipts promote it when the SMS fails. */
export function fallbackJobId(verificationId: string): string {
  return `${verificationId}-fallback`
}
export const SEND_BACKOFF_TYPE = 'sms'

/**
 * A send attempt's reference, `ver_…-N`: its BullMQ job id (adding the same attempt twice is a no-op), and the tag
 * on the provider's message that brings the message's receipts back to it.
 */
export function sendReference(verificationId: string, attempt: number): string {
  return `${verificationId}-${attempt}`
}

/** The verification and attempt a reference names, or undefined for anything else (another sender's tag). */
export function parseSendReference(reference: string): { readonly id: string; readonly attempt: number } | undefined {
  const dash = reference.lastIndexOf('-')
  if (dash === -1) return undefined
  const id = reference.slice(0, dash)
  const attempt = reference.slice(dash + 1)
  if (!isVerificationId(id) || !/^[1-9]\d{0,8}$/.test(attempt)) return undefined
  return { id, attempt: Number(attempt) }
}

/**
 * What each send job carries: its attempts and backoff. BullMQ keeps a job's options as one JSON value in the job's
 * hash, so they are kept to what must travel with the job; how long finished jobs are kept is the worker's setting
 * (sendJobRetention), which BullMQ applies to jobs that do not say.
 */
export function sendJobOptions(config: Pick<Config, 'worker'>): JobsOptions {
  return {
    attempts: config.worker.sendAttempts,
    // The worker's own strategy (worker/backoff.ts): exponential with jitter, longer after an unknown outcome.
    backoff: { type: SEND_BACKOFF_TYPE },
  }
}

/**
 * How long finished send jobs stay, set on the workers. A finished send says nothing its verification does not
 * (delivery status, message id): the dashboard keeps the last 100 to look at; failed ones, which need a look, a day.
 */
export const sendJobRetention = {
  removeOnComplete: { age: 3_600, count: 100 },
  removeOnFail: { age: 24 * 3_600, count: 10_000 },
} as const satisfies Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>

export function createSendQueue(connection: ConnectionOptions, keys: Keys, config: Pick<Config, 'worker'>, name: typeof QUEUE_NAME | typeof CALL_QUEUE_NAME = QUEUE_NAME): Queue<SendJob> {
  return new Queue<SendJob>(name, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: sendJobOptions(config),
    // BullMQ keeps ~10,000 events by default; the dashboard and metrics need far fewer, and each costs memory.
    streams: { events: { maxLen: 1_000 } },
  })
}

export function createCallQueue(connection: ConnectionOptions, keys: Keys, config: Pick<Config, 'worker'>): Queue<SendJob> {
  return createSendQueue(connection, keys, config, CALL_QUEUE_NAME)
}
