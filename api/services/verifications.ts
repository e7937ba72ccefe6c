import type { Queue } from 'bullmq'
import type { Config } from '../../shared/config/index.js'
import { normalizeCode } from '../../shared/codes.js'
import { isVerificationId } from '../../shared/ids.js'
import { SEND_JOB_NAME, sendReference, type SendJob } from '../../shared/jobs.js'
import type { Logger } from '../../shared/logger.js'
import type { ApiMetrics } from '../../shared/metrics.js'
import type { ServiceRef } from '../../shared/services.js'
import { maskPhone, parsePhone, type ParsedPhone } from '../../shared/phone.js'
import { isRedisUnavailable } from '../../shared/redis.js'
import type { CancelResult, CheckResult, LimitReason, StartResult, VerificationStore } from '../../shared/store/verification-store.js'
import { withTimeout } from '../../shared/timeout.js'
import type { Verification } from '../../shared/verification.js'
import { UnavailableError } from '../errors.js'
import type { IdempotencyStore } from '../idempotency.js'
import type { Reservation, SharedLimitReason, SharedLimits } from '../limits/shared-limits.js'
import type { QueueSaturation } from './queue-saturation.js'

export interface VerificationServiceDeps {
  readonly config: Config
  readonly store: VerificationStore
  readonly limits: SharedLimits
  readonly idempotency: IdempotencyStore
  readonly saturation: QueueSaturation
  readonly queue: Pick<Queue<SendJob>, 'add'>
  readonly logger: Logger
  readonly metrics: ApiMetrics
  readonly now: () => number
}

export type StartOutcome =
  | { readonly kind: 'sent'; readonly created: boolean; readonly verification: Verification; readonly country: string; readonly replayed?: boolean }
  | { readonly kind: 'invalid_phone_number' }
  | { readonly kind: 'country_not_allowed'; readonly country: string }
  | { readonly kind: 'number_type_not_allowed'; readonly type: string }
  | { readonly kind: 'limited'; readonly reason: LimitReason | SharedLimitReason; readonly retryAfterSeconds: number }
  | { readonly kind: 'queue_saturated' }
  | { readonly kind: 'idempotency_in_progress' }
  | { readonly kind: 'idempotency_mismatch' }

export type CheckOutcome = CheckResult | { readonly kind: 'invalid_phone_number' } | { readonly kind: 'malformed_code' }

export interface RequestContext {
  readonly requestId: string
  /** the service the request acts in: the default one for /v1, the public one for the form routes */
  readonly service: ServiceRef
  /** the client's IP on the public form routes, where the per-IP limit applies; absent for /v1 */
  readonly ip?: string
  /** the caller's Idempotency-Key (/v1) */
  readonly idempotencyKey?: string
}

/** How long the API waits on the queue before answering 503: a hung Redis must not hang a request. */
const ENQUEUE_TIMEOUT_MS = 900

/**
 * The two-factor flow as the HTTP routes need it: plain inputs in, outcomes out. Knows nothing about HTTP.
 * Infrastructure failures (Redis unreachable, timeouts) surface as UnavailableError; script bugs stay errors.
 */
export interface VerificationService {
  start(rawTo: string, ctx: RequestContext): Promise<StartOutcome>
  check(target: { readonly id: string } | { readonly to: string }, rawCode: string, service: ServiceRef): Promise<CheckOutcome>
  get(id: string): Promise<Verification | undefined>
  cancel(id: string): Promise<CancelResult>
}

export function createVerificationService(deps: VerificationServiceDeps): VerificationService {
  const { config, store, queue, logger, limits, idempotency, saturation, metrics } = deps

  /** Limits, store, queue: the send itself, once the request is known to be well-formed and allowed. */
  async function send(phone: ParsedPhone, ctx: RequestContext): Promise<StartOutcome> {
    if (await infra(saturation.saturated())) {
      logger.warn({ requestId: ctx.requestId, capacity: saturation.capacity }, 'queue saturated: refusing new codes')
      return { kind: 'queue_saturated' }
    }
    let reservation: Reservation | undefined
    if (limits.active(ctx.ip)) {
      const reserved = await infra(limits.reserve({ ip: ctx.ip, country: phone.country }))
      if (reserved.kind === 'limited') {
        logger.info({ requestId: ctx.requestId, to: maskPhone(phone.e164), reason: reserved.reason }, 'send refused by limit')
        return reserved
      }
      reservation = reserved.reservation
    }
    const release = (): Promise<void> => reservation?.release().catch(() => undefined) ?? Promise.resolve()

    let result: StartResult
    try {
      result = await infra(store.start(phone, ctx.service))
    } catch (error) {
      await release()
      throw error
    }
    if (result.kind === 'limited') {
      await release()
      logger.info({ requestId: ctx.requestId, to: maskPhone(phone.e164), reason: result.reason }, 'send refused by limit')
      return result
    }
    const { verification } = result
    const job: SendJob = {
      id: verification.id,
      attempt: verification.sendAttempts,
      requestId: ctx.requestId,
      queuedAt: deps.now(),
    }
    try {
      await withTimeout(queue.add(SEND_JOB_NAME, job, { jobId: sendReference(verification.id, verification.sendAttempts) }), ENQUEUE_TIMEOUT_MS)
    } catch (error) {
      // The verification exists but nothing will send it; say so on it, and let the caller retry.
      logger.error({ requestId: ctx.requestId, verificationId: verification.id, err: error }, 'could not queue the SMS')
      await release()
      await store
        .recordDelivery(verification.id, {
          status: 'failed',
          attempt: verification.sendAttempts,
          error: { code: 'enqueue_failed', message: 'the send job could not be queued' },
        })
        .catch(() => undefined)
      throw new UnavailableError('the send queue is unavailable', { cause: error })
    }
    logger.info(
      { requestId: ctx.requestId, verificationId: verification.id, to: maskPhone(phone.e164), attempt: verification.sendAttempts },
      result.kind === 'created' ? 'verification created' : 'verification sent again',
    )
    return { kind: 'sent', created: result.kind === 'created', verification, country: result.country }
  }

  const service: VerificationService = {
    async start(rawTo: string, ctx: RequestContext): Promise<StartOutcome> {
      const phone = parsePhone(rawTo, config.phone.defaultCountry)
      if (phone === undefined) return { kind: 'invalid_phone_number' }
      const allowed = config.phone.allowedCountries
      if (allowed.length > 0 && !allowed.includes(phone.country)) return { kind: 'country_not_allowed', country: phone.country }
      const type = phone.type ?? 'UNKNOWN'
      if (!config.phone.allowedNumberTypes.includes(type)) return { kind: 'number_type_not_allowed', type }

      if (ctx.idempotencyKey === undefined) return send(phone, ctx)
      const claim = await infra(idempotency.claim('v1:create', ctx.idempotencyKey, phone.e164))
      switch (claim.kind) {
        case 'in_progress':
          return { kind: 'idempotency_in_progress' }
        case 'mismatch':
          return { kind: 'idempotency_mismatch' }
        case 'replay': {
          const verification = await infra(store.get(claim.verificationId))
          // The verification outlived by its key (both last 24 h, the key can be a moment younger): start afresh.
          if (verification === undefined) return { kind: 'idempotency_mismatch' }
          return { kind: 'sent', created: claim.status === 201, verification, country: phone.country, replayed: true }
        }
        case 'new': {
          let outcome: StartOutcome
          try {
            outcome = await send(phone, ctx)
          } catch (error) {
            await claim.abandon().catch(() => undefined)
            throw error
          }
          if (outcome.kind === 'sent') {
            await claim.complete(outcome.created ? 201 : 200, outcome.verification.id).catch((err: unknown) => {
              logger.warn({ requestId: ctx.requestId, err }, 'could not record the idempotency key')
            })
          } else {
            await claim.abandon().catch(() => undefined)
          }
          return outcome
        }
      }
    },

    async check(target: { readonly id: string } | { readonly to: string }, rawCode: string, service: ServiceRef): Promise<CheckOutcome> {
      let resolved: { readonly id: string } | { readonly to: string }
      if ('to' in target) {
        const phone = parsePhone(target.to, config.phone.defaultCountry)
        if (phone === undefined) return { kind: 'invalid_phone_number' }
        resolved = { to: phone.e164 }
      } else {
        if (!isVerificationId(target.id)) return { kind: 'not_found' }
        resolved = target
      }
      // A malformed code spends no attempt: it cannot be anybody's code.
      const code = normalizeCode(rawCode, config.codes.length)
      if (code === undefined) return { kind: 'malformed_code' }
      return infra(store.check(resolved, code, service))
    },

    async get(id: string): Promise<Verification | undefined> {
      if (!isVerificationId(id)) return undefined
      return infra(store.get(id))
    },

    async cancel(id: string): Promise<CancelResult> {
      if (!isVerificationId(id)) return { kind: 'not_found' }
      return infra(store.cancel(id))
    },
  }
  return instrument(service, metrics)
}

/** Counts what the service decided; kept apart so the flow above reads without it. */
function instrument(service: VerificationService, metrics: ApiMetrics): VerificationService {
  const event = (name: string, outcome: { readonly verification: Verification; readonly country: string }): void => {
    metrics.verifications.inc({ event: name, channel: outcome.verification.channel, country: outcome.country })
  }
  return {
    async start(rawTo, ctx) {
      const outcome = await service.start(rawTo, ctx)
      switch (outcome.kind) {
        case 'sent':
          if (outcome.replayed !== true) event(outcome.created ? 'started' : 'resent', outcome)
          break
        case 'limited':
          metrics.limitRefusals.inc({ reason: outcome.reason })
          break
        case 'country_not_allowed':
        case 'number_type_not_allowed':
        case 'queue_saturated':
          metrics.limitRefusals.inc({ reason: outcome.kind })
          break
        case 'invalid_phone_number':
        case 'idempotency_in_progress':
        case 'idempotency_mismatch':
          break
      }
      return outcome
    },
    async check(target, rawCode, scope) {
      const outcome = await service.check(target, rawCode, scope)
      switch (outcome.kind) {
        case 'approved':
          event('approved', outcome)
          metrics.checks.inc({ result: 'approved' })
          break
        case 'wrong':
          if (outcome.verification.status === 'max_attempts_reached') event('max_attempts_reached', outcome)
          metrics.checks.inc({ result: 'wrong' })
          break
        case 'not_pending':
          if (outcome.verification.status === 'expired') event('expired', outcome)
          metrics.checks.inc({ result: 'not_pending' })
          break
        case 'limited':
          metrics.limitRefusals.inc({ reason: outcome.reason })
          metrics.checks.inc({ result: 'limited' })
          break
        case 'malformed_code':
          metrics.checks.inc({ result: 'malformed' })
          break
        case 'not_found':
        case 'invalid_phone_number':
          metrics.checks.inc({ result: outcome.kind })
          break
      }
      return outcome
    },
    get: (id) => service.get(id),
    async cancel(id) {
      const outcome = await service.cancel(id)
      if (outcome.kind === 'canceled') event('canceled', outcome)
      return outcome
    },
  }
}

/** Redis errors that are not script replies mean Redis is unreachable or too slow: 503, not 500. */
async function infra<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error
    throw new UnavailableError('Redis is unavailable', { cause: error })
  }
}
