import type { Queue } from 'bullmq'
import { normalizeCode, type CodeFormat } from '../../shared/codes.js'
import type { Config } from '../../shared/config/index.js'
import { isVerificationId } from '../../shared/ids.js'
import { CALL_JOB_NAME, FALLBACK_JOB_NAME, fallbackJobId, SEND_JOB_NAME, sendReference, type SendJob } from '../../shared/jobs.js'
import type { Logger } from '../../shared/logger.js'
import { localeForCountry, resolveLocale, type Locale } from '../../shared/messages/locales.js'
import type { ApiMetrics } from '../../shared/metrics.js'
import { maskPhone, parsePhone, type ParsedPhone } from '../../shared/phone.js'
import { isRedisUnavailable } from '../../shared/redis.js'
import type { ServiceSettings } from '../../shared/services.js'
import type { StoredVerification } from '../../shared/store/verification-record.js'
import type { ApproveResult, CancelResult, CheckResult, LimitReason, StartResult, VerificationStore } from '../../shared/store/verification-store.js'
import { withTimeout } from '../../shared/timeout.js'
import type { Channel, Verification } from '../../shared/verification.js'
import { UnavailableError } from '../errors.js'
import type { EventEmitter, EventType } from '../../shared/events.js'
import type { FraudDecision, FraudGuard, FraudRefusal } from '../fraud/guard.js'
import type { IdempotencyStore } from '../idempotency.js'
import type { BucketLimit, Reservation, SharedLimitReason, SharedLimits } from '../limits/shared-limits.js'
import type { QueueSaturation } from './queue-saturation.js'

export interface VerificationServiceDeps {
  readonly config: Config
  readonly store: VerificationStore
  readonly limits: SharedLimits
  readonly idempotency: IdempotencyStore
  readonly saturation: QueueSaturation
  readonly queue: Pick<Queue<SendJob>, 'add'>
  /** calls, and the fallback calls SMS asked for */
  readonly callQueue: Pick<Queue<SendJob>, 'add'>
  readonly logger: Logger
  readonly metrics: ApiMetrics
  readonly now: () => number
  /** the SMS-pumping guard; none: nothing is judged */
  readonly fraud?: FraudGuard
  /** webhook events (WEBHOOK_URLS); none: no events */
  readonly events?: EventEmitter
}

export type StartOutcome =
  | {
      readonly kind: 'sent'
      readonly created: boolean
      readonly verification: Verification
      readonly stored: StoredVerification
      readonly country: string
      readonly replayed?: boolean
    }
  | { readonly kind: 'invalid_phone_number' }
  | { readonly kind: 'invalid_locale' }
  | { readonly kind: 'country_not_allowed'; readonly country: string }
  | { readonly kind: 'number_type_not_allowed'; readonly type: string; readonly channel?: 'call' }
  /** the service skips SMS to landlines (Twilio's SkipSmsToLandlines) */
  | { readonly kind: 'landline' }
  | { readonly kind: 'limited'; readonly reason: LimitReason | SharedLimitReason; readonly retryAfterSeconds: number }
  | { readonly kind: 'queue_saturated' }
  /** the number's prefix is blocked by the fraud guard */
  | ({ readonly kind: 'fraud_suspected' } & FraudRefusal)
  | { readonly kind: 'idempotency_in_progress' }
  | { readonly kind: 'idempotency_mismatch' }

export type CheckOutcome = CheckResult | { readonly kind: 'invalid_phone_number' } | { readonly kind: 'malformed_code' }

/** A code to send: to whom, in which service, and what the request itself decides. */
export interface StartInput {
  /** as the user typed it */
  readonly to: string
  readonly service: ServiceSettings
  readonly requestId: string
  /** default sms */
  readonly channel?: Channel
  /** with an SMS: speak the same code in a call if the SMS is not delivered (/v1 `fallback: "call"`) */
  readonly fallback?: 'call'
  /** as the caller gave it; none: the destination country's language, or DEFAULT_LOCALE */
  readonly locale?: string
  /** the client's IP on the public form routes, where the per-IP limit applies; absent elsewhere */
  readonly ip?: string
  /** the caller's Idempotency-Key (/v1) */
  readonly idempotencyKey?: string
  /** /v2 CustomCode, already checked against the service */
  readonly customCode?: string
  /** /v2 CustomFriendlyName, at most 30 characters: the name the message says instead of the service's */
  readonly friendlyName?: string
  /** /v2 RateLimits: the buckets the create counts against */
  readonly buckets?: readonly BucketLimit[]
  /** SignalWire MFA: the request's own code format, lifetime, attempts, sender, text and owner; always a new code */
  readonly mfa?: {
    readonly format: CodeFormat
    readonly ttlSeconds: number
    readonly maxCheckAttempts: number
    readonly sender?: string
    readonly prefix?: string
    readonly owner: string
  }
}

export interface CheckInput {
  readonly target: { readonly id: string } | { readonly to: string }
  /** as the user typed it */
  readonly code: string
  readonly service: ServiceSettings
  /** SignalWire MFA: the project that must own the verification */
  readonly owner?: string
}

/** How long the API waits on the queue before answering 503: a hung Redis must not hang a request. */
const ENQUEUE_TIMEOUT_MS = 900

/**
 * The verification flow as the HTTP routes need it: plain inputs in, outcomes out. Knows nothing about HTTP.
 * Infrastructure failures (Redis unreachable, timeouts) surface as UnavailableError; anything else is a bug.
 */
export interface VerificationService {
  start(input: StartInput): Promise<StartOutcome>
  check(input: CheckInput): Promise<CheckOutcome>
  get(id: string): Promise<StoredVerification | undefined>
  /** the verification last started for a number in a service, whatever its state */
  latestFor(to: string, service: ServiceSettings): Promise<StoredVerification | undefined>
  cancel(id: string): Promise<CancelResult>
  /** /v2 Status=approved: the application checked a code of its own */
  approve(id: string): Promise<ApproveResult>
}

export function createVerificationService(deps: VerificationServiceDeps): VerificationService {
  const { config, store, queue, callQueue, logger, limits, idempotency, saturation, metrics } = deps
  const fraud = deps.fraud?.active === true ? deps.fraud : undefined
  const events = deps.events
  const testCodes = new Map(config.fraud.testNumbers.map((t) => [t.number, t.code]))

  /**
   * TEST_NUMBERS: the listed code, stored like any other (so checks work as usual), and nothing else: no send, no
   * limit, no fraud counter. The delivery says why nothing was sent.
   */
  async function startTest(phone: ParsedPhone, locale: Locale, input: StartInput, code: string): Promise<StartOutcome> {
    const unlimited: ServiceSettings = { ...input.service, resendCooldownSeconds: 0, maxSendsPerWindow: 1_000_000_000 }
    const result = await infra(
      store.start({
        phone,
        service: unlimited,
        channel: input.channel ?? 'sms',
        locale,
        code,
        format: { length: code.length, alphabet: /^\d+$/.test(code) ? 'digits' : 'alphanumeric' },
        ...(input.mfa === undefined ? {} : { ttlSeconds: input.mfa.ttlSeconds, maxCheckAttempts: input.mfa.maxCheckAttempts, fresh: true, owner: input.mfa.owner }),
      }),
    )
    if (result.kind === 'limited') return result
    const { verification } = result
    await infra(store.recordDelivery(verification.id, { status: 'skipped', attempt: verification.sendAttempts, error: { code: 'test_number', message: 'a test number (TEST_NUMBERS): nothing is sent' } }))
    logger.info({ requestId: input.requestId, verificationId: verification.id, to: maskPhone(phone.e164) }, 'test number: code set, nothing sent')
    const stored = (await infra(store.getStored(verification.id))) ?? result.stored
    return { kind: 'sent', created: result.kind === 'created', verification: stored.resource, stored, country: result.country }
  }

  /** Fraud guard, limits, store, queue: the send itself, once the request is known to be well-formed and allowed. */
  async function send(phone: ParsedPhone, locale: Locale, input: StartInput): Promise<StartOutcome> {
    const { requestId } = input
    if (await infra(saturation.saturated())) {
      logger.warn({ requestId, capacity: saturation.capacity }, 'queue saturated: refusing new codes')
      return { kind: 'queue_saturated' }
    }
    let judged: Extract<FraudDecision, { kind: 'pass' }> | undefined
    if (fraud !== undefined) {
      const decision = await infra(fraud.beforeSend(phone.e164, phone.country, requestId))
      if (decision.kind === 'refused') {
        logger.info({ requestId, to: maskPhone(phone.e164), prefix: decision.prefix, until: new Date(decision.until).toISOString() }, 'send refused by the fraud guard')
        return { ...decision, kind: 'fraud_suspected' }
      }
      judged = decision
    }
    // The guard counts new codes: a send that does not happen, or sends the pending code again, is taken back.
    const uncount = (): Promise<void> => (judged === undefined ? Promise.resolve() : fraud?.uncount(judged, phone.country).catch(() => undefined) ?? Promise.resolve())
    let reservation: Reservation | undefined
    if (limits.active(input.ip, input.buckets)) {
      const reserved = await infra(limits.reserve({ ip: input.ip, country: phone.country, ...(input.buckets === undefined ? {} : { buckets: input.buckets }) }))
      if (reserved.kind === 'limited') {
        await uncount()
        logger.info({ requestId, to: maskPhone(phone.e164), reason: reserved.reason }, 'send refused by limit')
        return reserved
      }
      reservation = reserved.reservation
    }
    const release = (): Promise<void> => reservation?.release().catch(() => undefined) ?? Promise.resolve()

    let result: StartResult
    try {
      const mfa = input.mfa
      result = await infra(
        store.start({
          phone,
          service: input.service,
          channel: input.channel ?? 'sms',
          locale,
          ...(input.customCode === undefined ? {} : { code: input.customCode }),
          ...(input.friendlyName === undefined ? {} : { friendlyName: input.friendlyName }),
          ...(mfa === undefined
            ? {}
            : {
                format: mfa.format,
                ttlSeconds: mfa.ttlSeconds,
                maxCheckAttempts: mfa.maxCheckAttempts,
                fresh: true,
                owner: mfa.owner,
                ...(mfa.sender === undefined ? {} : { sender: mfa.sender }),
                ...(mfa.prefix === undefined ? {} : { prefix: mfa.prefix }),
              }),
        }),
      )
    } catch (error) {
      await Promise.all([release(), uncount()])
      throw error
    }
    if (result.kind === 'limited') {
      await Promise.all([release(), uncount()])
      logger.info({ requestId, to: maskPhone(phone.e164), reason: result.reason }, 'send refused by limit')
      return result
    }
    const { verification } = result
    if (result.kind === 'resent') await uncount()
    const job: SendJob = { id: verification.id, attempt: verification.sendAttempts, requestId, queuedAt: deps.now() }
    const jobId = sendReference(verification.id, verification.sendAttempts)
    try {
      if (verification.channel === 'call') {
        await withTimeout(callQueue.add(CALL_JOB_NAME, job, { jobId }), ENQUEUE_TIMEOUT_MS)
      } else {
        await withTimeout(queue.add(SEND_JOB_NAME, job, { jobId }), ENQUEUE_TIMEOUT_MS)
        // The fallback waits its time; an undelivered or failed receipt brings it forward (worker/receipts.ts). One
        // per verification: while it exists, queuing it again is a no-op.
        if (input.fallback === 'call') {
          const delay = config.calls.fallbackAfterSeconds * 1000
          await withTimeout(callQueue.add(FALLBACK_JOB_NAME, { ...job, fallback: true }, { jobId: fallbackJobId(verification.id), delay }), ENQUEUE_TIMEOUT_MS)
        }
      }
    } catch (error) {
      // The verification exists but nothing will send it; say so on it, and let the caller retry.
      logger.error({ requestId, verificationId: verification.id, err: error }, 'could not queue the send')
      await Promise.all([release(), uncount()])
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
      { requestId, verificationId: verification.id, service: verification.service, to: maskPhone(phone.e164), attempt: verification.sendAttempts, channel: verification.channel },
      result.kind === 'created' ? 'verification created' : 'verification sent again',
    )
    if (result.kind === 'created' && events?.active === true) {
      await events.created(verification).catch((err: unknown) => logger.error({ requestId, verificationId: verification.id, err }, 'could not queue the created event'))
    }
    return { kind: 'sent', created: result.kind === 'created', verification, stored: result.stored, country: result.country }
  }

  const service: VerificationService = {
    async start(input: StartInput): Promise<StartOutcome> {
      const phone = parsePhone(input.to, config.phone.defaultCountry)
      if (phone === undefined) return { kind: 'invalid_phone_number' }
      let locale: Locale
      if (input.locale === undefined) {
        locale = localeForCountry(phone.country) ?? config.service.defaultLocale
      } else {
        const resolved = resolveLocale(input.locale)
        if (resolved === undefined) return { kind: 'invalid_locale' }
        locale = resolved
      }
      // A test number is the operator's own: no country, type, limit or fraud rule applies to it.
      const testCode = testCodes.get(phone.e164)
      if (testCode !== undefined) return startTest(phone, locale, input, testCode)
      const allowed = config.phone.allowedCountries
      if (allowed.length > 0 && !allowed.includes(phone.country)) return { kind: 'country_not_allowed', country: phone.country }
      const type = phone.type ?? 'UNKNOWN'
      const channel = input.channel ?? 'sms'
      if (channel === 'sms') {
        if (input.service.skipSmsToLandlines && type === 'FIXED_LINE') return { kind: 'landline' }
        if (!config.phone.allowedNumberTypes.includes(type)) return { kind: 'number_type_not_allowed', type }
      }
      // A call, or an SMS that may become one: the number must be allowed for calls too.
      if ((channel === 'call' || input.fallback === 'call') && !config.calls.allowedNumberTypes.includes(type)) return { kind: 'number_type_not_allowed', type, channel: 'call' }

      if (input.idempotencyKey === undefined) return send(phone, locale, input)
      // The default service keeps the scope keys had before services existed.
      const scope = input.service.builtIn === 'default' ? 'v1:create' : `${input.service.id}:create`
      const claim = await infra(idempotency.claim(scope, input.idempotencyKey, phone.e164))
      switch (claim.kind) {
        case 'in_progress':
          return { kind: 'idempotency_in_progress' }
        case 'mismatch':
          return { kind: 'idempotency_mismatch' }
        case 'replay': {
          const stored = await infra(store.getStored(claim.verificationId))
          // The verification outlived by its key (both last 24 h, the key can be a moment younger): start afresh.
          if (stored === undefined) return { kind: 'idempotency_mismatch' }
          return { kind: 'sent', created: claim.status === 201, verification: stored.resource, stored, country: phone.country, replayed: true }
        }
        case 'new': {
          let outcome: StartOutcome
          try {
            outcome = await send(phone, locale, input)
          } catch (error) {
            await claim.abandon().catch(() => undefined)
            throw error
          }
          if (outcome.kind === 'sent') {
            await claim.complete(outcome.created ? 201 : 200, outcome.verification.id).catch((err: unknown) => {
              logger.warn({ requestId: input.requestId, err }, 'could not record the idempotency key')
            })
          } else {
            await claim.abandon().catch(() => undefined)
          }
          return outcome
        }
      }
    },

    async check(input: CheckInput): Promise<CheckOutcome> {
      let target: { readonly id: string } | { readonly to: string }
      if ('to' in input.target) {
        const phone = parsePhone(input.target.to, config.phone.defaultCountry)
        if (phone === undefined) return { kind: 'invalid_phone_number' }
        target = { to: phone.e164 }
      } else {
        if (!isVerificationId(input.target.id)) return { kind: 'not_found' }
        target = input.target
      }
      // A malformed code spends no attempt: it cannot be anybody's code. MFA codes bring their own format, which
      // the verification itself checks (its length, whether it has letters).
      const code =
        input.owner === undefined
          ? normalizeCode(input.code, { length: input.service.codeLength })
          : normalizeCode(input.code, { alphabet: 'alphanumeric' })
      if (code === undefined) return { kind: 'malformed_code' }
      const result = await infra(store.check({ target, code, service: input.service, ...(input.owner === undefined ? {} : { owner: input.owner }) }))
      if (result.kind === 'approved') await ended(result, true, 'verification.approved')
      if (result.kind === 'wrong' && result.verification.status === 'max_attempts_reached') await ended(result, false, 'verification.max_attempts_reached')
      return result.kind === 'malformed' ? { kind: 'malformed_code' } : result
    },

    async get(id: string): Promise<StoredVerification | undefined> {
      if (!isVerificationId(id)) return undefined
      return infra(store.getStored(id))
    },

    async latestFor(to: string, service: ServiceSettings): Promise<StoredVerification | undefined> {
      const phone = parsePhone(to, config.phone.defaultCountry)
      if (phone === undefined) return undefined
      const id = await infra(store.latestIdFor(phone.e164, service))
      return id === undefined ? undefined : infra(store.getStored(id))
    },

    async cancel(id: string): Promise<CancelResult> {
      if (!isVerificationId(id)) return { kind: 'not_found' }
      const result = await infra(store.cancel(id))
      if (result.kind === 'canceled') await ended(result, false, 'verification.canceled')
      return result
    },

    async approve(id: string): Promise<ApproveResult> {
      if (!isVerificationId(id)) return { kind: 'not_found' }
      const result = await infra(store.approve(id))
      if (result.kind === 'approved') await ended(result, true, 'verification.approved')
      return result
    },
  }

  /**
   * A verification ended: the fraud guard hears how (not for test numbers: nothing of theirs is counted), and the
   * application's webhooks get the event. Neither changes the answer; a failure is logged.
   */
  async function ended(decided: { readonly verification: Verification; readonly country: string }, approved: boolean, type: EventType): Promise<void> {
    const v = decided.verification
    await Promise.all([
      fraud === undefined || testCodes.has(v.to)
        ? undefined
        : fraud.ended(v.to, decided.country, Date.parse(v.createdAt), approved).catch((err: unknown) => logger.warn({ err, verificationId: v.id }, 'could not record the outcome for the fraud guard')),
      events?.active === true ? events.emit(type, v, `${v.id}.${type.slice('verification.'.length)}`).catch((err: unknown) => logger.error({ err, verificationId: v.id }, 'could not queue the event')) : undefined,
    ])
  }
  return instrument(service, metrics)
}

/** Counts what the service decided; kept apart so the flow above reads without it. */
function instrument(service: VerificationService, metrics: ApiMetrics): VerificationService {
  const event = (name: string, outcome: { readonly verification: Verification; readonly country: string }): void => {
    metrics.verifications.inc({ event: name, channel: outcome.verification.channel, country: outcome.country })
  }
  return {
    async start(input) {
      const outcome = await service.start(input)
      switch (outcome.kind) {
        case 'sent':
          if (outcome.replayed !== true) event(outcome.created ? 'started' : 'resent', outcome)
          break
        case 'limited':
          metrics.limitRefusals.inc({ reason: outcome.reason })
          break
        case 'country_not_allowed':
        case 'number_type_not_allowed':
        case 'landline':
        case 'queue_saturated':
        case 'fraud_suspected':
          metrics.limitRefusals.inc({ reason: outcome.kind })
          break
        case 'invalid_phone_number':
        case 'invalid_locale':
        case 'idempotency_in_progress':
        case 'idempotency_mismatch':
          break
      }
      return outcome
    },
    async check(input) {
      const outcome = await service.check(input)
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
        case 'malformed':
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
    latestFor: (to, settings) => service.latestFor(to, settings),
    async cancel(id) {
      const outcome = await service.cancel(id)
      if (outcome.kind === 'canceled') event('canceled', outcome)
      return outcome
    },
    async approve(id) {
      const outcome = await service.approve(id)
      if (outcome.kind === 'approved') event('approved', outcome)
      return outcome
    },
  }
}

/** Redis errors that mean Redis is unreachable or too slow become UnavailableError (503); the rest stay bugs. */
async function infra<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise
  } catch (error) {
    if (!isRedisUnavailable(error)) throw error
    throw new UnavailableError('Redis is unavailable', { cause: error })
  }
}
