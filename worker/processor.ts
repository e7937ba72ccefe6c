import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Config } from '../shared/config/index.js'
import { sendJobSchema, sendReference, type SendJob } from '../shared/jobs.js'
import type { Logger } from '../shared/logger.js'
import { renderSms } from '../shared/messages/render.js'
import type { ServiceStore } from '../shared/service-store.js'
import type { VerificationStore } from '../shared/store/verification-store.js'
import { NOT_CONNECTED, SendFailure, type Sender } from './senders/sender.js'

export interface ProcessorDeps {
  readonly config: Pick<Config, 'sms' | 'worker'>
  readonly store: VerificationStore
  /** a verification's service names it in the message, and says whether to warn */
  readonly services: Pick<ServiceStore, 'get'>
  readonly sender: Sender
  readonly logger: Logger
  readonly now: () => number
}

export type JobOutcome = 'sent' | 'gone' | 'superseded' | 'already_sent' | 'skipped' | 'expired' | 'service_gone'

/** A send that would reach the phone with less than this left of the code's life is not worth making. */
const MIN_REMAINING_MS = 1_000
/**
 * While the provider connection is down a job comes back after 1–2 s (RELAY reconnects every 1–4 s), without
 * spending an attempt: an outage longer than the retry schedule must not fail codes that are still valid. The claim
 * step ends the loop once the code has expired.
 */
const NOT_CONNECTED_DELAY_MS = 1_000
/**
 * The provider said "too many" (RELAY 429): every worker on the queue holds off this long, and the job waits its turn
 * again without spending an attempt. Retrying it alone would only keep the provider throttling.
 */
export const PROVIDER_THROTTLE_MS = 2_000

/** What the processor may ask of the worker that runs it. */
export interface WorkerControl {
  /** stop taking jobs, on every worker of the queue, for `ms` (BullMQ's rate limit, kept in Redis) */
  throttle(ms: number): Promise<void>
}

/**
 * Sends one SMS for one job. Idempotent: the claim step re-reads the verification and skips what is no longer
 * wanted (ended, expired, superseded by a newer send, or already accepted by the provider). Failures are typed
 * for the queue: UnrecoverableError for permanent ones, a plain retry otherwise.
 */
export function createProcessor(deps: ProcessorDeps) {
  const { config, store, sender } = deps

  return async function processSendJob(job: Job<SendJob>, token: string | undefined, control: WorkerControl): Promise<JobOutcome> {
    const parsed = sendJobSchema.safeParse(job.data)
    if (!parsed.success) throw new UnrecoverableError('malformed send job')
    const data = parsed.data
    const logger = deps.logger.child({ jobId: job.id, verificationId: data.id, attempt: job.attemptsMade + 1, requestId: data.requestId })
    const started = performance.now()

    const claim = await store.claim(data.id, data.attempt)
    if (claim.kind !== 'send') {
      const outcome: JobOutcome = claim.kind === 'skip' ? 'skipped' : claim.kind
      logger.info({ outcome, status: claim.kind === 'skip' ? claim.status : undefined, durationMs: elapsed(started) }, 'job done')
      return outcome
    }

    const remaining = claim.expiresAt - deps.now()
    if (remaining < MIN_REMAINING_MS) {
      await store.recordDelivery(data.id, { status: 'skipped', attempt: data.attempt, error: { code: 'expired', message: 'the code expired before it could be sent' } })
      logger.info({ outcome: 'expired', durationMs: elapsed(started) }, 'job done')
      return 'expired'
    }

    const { stored } = claim
    const service = await deps.services.get(stored.resource.service)
    if (service === undefined) {
      // Deleted through /v2 since: its verifications are gone with it.
      await store.recordDelivery(data.id, { status: 'skipped', attempt: data.attempt, error: { code: 'service_gone', message: 'the service was deleted' } })
      logger.info({ outcome: 'service_gone', durationMs: elapsed(started) }, 'job done')
      return 'service_gone'
    }
    const body = renderSms(
      {
        serviceName: stored.friendlyName ?? service.friendlyName,
        locale: stored.locale,
        warning: service.doNotShareWarning,
        ...(service.template === undefined ? {} : { template: service.template }),
        ...(stored.prefix === undefined ? {} : { prefix: stored.prefix }),
        ...(config.sms.webOtpDomain === undefined ? {} : { webOtpDomain: config.sms.webOtpDomain }),
      },
      claim.code,
    )
    try {
      const accepted = await sender.send(
        { to: claim.to, body, reference: sendReference(data.id, data.attempt), ...(stored.sender === undefined ? {} : { from: stored.sender }) },
        Math.min(config.worker.sendTimeoutMs, remaining),
      )
      await store.recordDelivery(data.id, { status: accepted.status, attempt: data.attempt, messageId: accepted.messageId })
      logger.info({ outcome: 'sent', messageId: accepted.messageId, durationMs: elapsed(started) }, 'job done')
      return 'sent'
    } catch (error) {
      const failure = error instanceof SendFailure ? error : new SendFailure('unknown', 'error', String(error).slice(0, 200))
      if (failure.code === NOT_CONNECTED && token !== undefined) {
        // BullMQ measures delays on the real clock, not on the injected one.
        await job.moveToDelayed(Date.now() + NOT_CONNECTED_DELAY_MS * (1 + Math.random()), token)
        logger.debug({ outcome: 'delayed', errorCode: failure.code, durationMs: elapsed(started) }, 'provider not connected: job put back')
        throw new DelayedError()
      }
      if (failure.code === 'provider_429') {
        await control.throttle(PROVIDER_THROTTLE_MS)
        logger.warn({ outcome: 'throttled', errorCode: failure.code, throttleMs: PROVIDER_THROTTLE_MS, durationMs: elapsed(started) }, 'provider throttling: the queue holds off')
        throw Worker.RateLimitError()
      }
      const lastTry = failure.kind === 'permanent' || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)
      if (lastTry) {
        await store.recordDelivery(data.id, { status: 'failed', attempt: data.attempt, error: { code: failure.code, message: failure.message } })
      }
      logger.warn({ outcome: lastTry ? 'failed' : 'retry', kind: failure.kind, errorCode: failure.code, durationMs: elapsed(started) }, 'job failed')
      if (failure.kind === 'permanent') throw new UnrecoverableError(`${failure.code}: ${failure.message}`)
      throw failure
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100
}
