import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Config } from '../shared/config/index.js'
import { sendJobSchema, sendReference, type SendJob } from '../shared/jobs.js'
import type { Logger } from '../shared/logger.js'
import { renderSms, renderVoice } from '../shared/messages/render.js'
import type { ServiceStore } from '../shared/service-store.js'
import type { ServiceSettings } from '../shared/services.js'
import type { StoredVerification } from '../shared/store/verification-record.js'
import type { VerificationStore } from '../shared/store/verification-store.js'
import { CALL_UNREACHED, NOT_CONNECTED, SendFailure, type Sender } from './senders/sender.js'

export interface ProcessorDeps {
  readonly config: Pick<Config, 'sms' | 'worker'>
  readonly store: VerificationStore
  /** a verification's service names it in the message, and says whether to warn */
  readonly services: Pick<ServiceStore, 'get'>
  readonly sender: Sender
  readonly logger: Logger
  readonly now: () => number
  /** an SMS that ended failed: bring its fallback call forward, if it asked for one */
  readonly fallbacks?: { promote(verificationId: string): Promise<void> }
  /** a delivery step was recorded: the webhooks' event */
  readonly delivered?: (id: string, attempt: number, status: string, previous: string) => Promise<void>
}

export type JobOutcome = 'sent' | 'gone' | 'superseded' | 'already_sent' | 'delivered' | 'skipped' | 'expired' | 'service_gone'

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

/** A claimed send: what to say, to whom, for which attempt. */
interface Claimed {
  readonly to: string
  readonly code: string
  readonly remaining: number
  readonly attempt: number
  readonly stored: StoredVerification
  readonly service: ServiceSettings
}

/**
 * Sends one SMS, or places one call, for one job. Idempotent: the claim step re-reads the verification and skips
 * what is no longer wanted (ended, expired, superseded by a newer send, or already accepted by the provider).
 * Failures are typed for the queue: UnrecoverableError for permanent ones, a plain retry otherwise. `channel` is the
 * queue's: the worker runs one processor per queue.
 */
export function createProcessor(deps: ProcessorDeps, channel: 'sms' | 'call' = 'sms') {
  const { config, store, sender } = deps
  /** Records a delivery step and, when it was recorded (it moved the delivery forward), tells the webhooks. */
  async function record(id: string, update: Parameters<VerificationStore['recordDelivery']>[1] & { readonly attempt: number }): Promise<void> {
    const recorded = await store.recordDelivery(id, update)
    if (recorded !== undefined) await deps.delivered?.(id, update.attempt, update.status, recorded.previous)
  }

  return async function processSendJob(job: Job<SendJob>, token: string | undefined, control: WorkerControl): Promise<JobOutcome> {
    const parsed = sendJobSchema.safeParse(job.data)
    if (!parsed.success) throw new UnrecoverableError('malformed send job')
    const data = parsed.data
    const logger = deps.logger.child({ jobId: job.id, verificationId: data.id, attempt: job.attemptsMade + 1, requestId: data.requestId, channel })
    const started = performance.now()
    const done = (outcome: JobOutcome, extra: Record<string, unknown> = {}): JobOutcome => {
      logger.info({ outcome, ...extra, durationMs: elapsed(started) }, 'job done')
      return outcome
    }

    const claim = await store.claim(data.id, data.attempt, data.fallback === true ? 'fallback' : 'send')
    if (claim.kind !== 'send') return done(claim.kind === 'skip' ? 'skipped' : claim.kind, claim.kind === 'skip' ? { status: claim.status } : {})
    // A fallback call is a send attempt of its own, one after the SMS's.
    const attempt = claim.stored.resource.sendAttempts

    const remaining = claim.expiresAt - deps.now()
    if (remaining < MIN_REMAINING_MS) {
      await store.recordDelivery(data.id, { status: 'skipped', attempt, error: { code: 'expired', message: 'the code expired before it could be sent' } })
      return done('expired')
    }
    const service = await deps.services.get(claim.stored.resource.service)
    if (service === undefined) {
      // Deleted through /v2 since: its verifications are gone with it.
      await store.recordDelivery(data.id, { status: 'skipped', attempt, error: { code: 'service_gone', message: 'the service was deleted' } })
      return done('service_gone')
    }
    const claimed: Claimed = { to: claim.to, code: claim.code, remaining, attempt, stored: claim.stored, service }

    try {
      if (channel === 'call') {
        const { callId } = await placeCall(data.id, claimed)
        return done('sent', { callId })
      }
      const messageId = await sendSms(data.id, claimed)
      return done('sent', { messageId })
    } catch (error) {
      const failure = error instanceof SendFailure ? error : new SendFailure('unknown', 'error', String(error).slice(0, 200))
      if (failure.code === NOT_CONNECTED && token !== undefined) {
        // Nothing was handed to the provider. BullMQ measures delays on the real clock, not on the injected one.
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
        const unreached = channel === 'call' && (CALL_UNREACHED as readonly string[]).includes(failure.code)
        await record(data.id, { status: unreached ? 'undelivered' : 'failed', attempt, error: { code: failure.code, message: failure.message } })
        if (channel === 'sms') await deps.fallbacks?.promote(data.id).catch((err: unknown) => logger.warn({ err }, 'could not bring the fallback call forward'))
      }
      logger.warn({ outcome: lastTry ? 'failed' : 'retry', kind: failure.kind, errorCode: failure.code, durationMs: elapsed(started) }, 'job failed')
      if (failure.kind === 'permanent') throw new UnrecoverableError(`${failure.code}: ${failure.message}`)
      throw failure
    }
  }

  async function sendSms(id: string, c: Claimed): Promise<string> {
    const body = renderSms(
      {
        serviceName: c.stored.friendlyName ?? c.service.friendlyName,
        locale: c.stored.locale,
        warning: c.service.doNotShareWarning,
        ...(c.service.template === undefined ? {} : { template: c.service.template }),
        ...(c.stored.prefix === undefined ? {} : { prefix: c.stored.prefix }),
        ...(config.sms.webOtpDomain === undefined ? {} : { webOtpDomain: config.sms.webOtpDomain }),
      },
      c.code,
    )
    const accepted = await sender.send(
      { to: c.to, body, reference: sendReference(id, c.attempt), ...(c.stored.sender === undefined ? {} : { from: c.stored.sender }) },
      Math.min(config.worker.sendTimeoutMs, c.remaining),
    )
    await record(id, { status: accepted.status, attempt: c.attempt, messageId: accepted.messageId })
    return accepted.messageId
  }

  async function placeCall(id: string, c: Claimed): Promise<{ readonly callId: string }> {
    const voice = renderVoice({ serviceName: c.stored.friendlyName ?? c.service.friendlyName, locale: c.stored.locale, ...(c.stored.prefix === undefined ? {} : { prefix: c.stored.prefix }) }, c.code)
    const placed = await sender.call(
      { to: c.to, text: voice.text, language: voice.language, reference: sendReference(id, c.attempt), ...(c.stored.sender === undefined ? {} : { from: c.stored.sender }) },
      {
        // Answered: recorded with the call's id, so a re-run of this job (its worker killed mid-call) calls no more.
        answered: (callId) => record(id, { status: 'sent', attempt: c.attempt, messageId: callId }),
      },
    )
    await record(id, { status: 'delivered', attempt: c.attempt, messageId: placed.callId })
    return placed
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100
}
