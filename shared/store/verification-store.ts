import { generateCode, type CodeFormat } from '../codes.js'
import type { Config } from '../config/index.js'
import { newVerificationId, tagOfId } from '../ids.js'
import type { Keys } from '../keys.js'
import { Script, type ScriptReply } from '../lua-script.js'
import type { Locale } from '../messages/locales.js'
import { redactProviderText, type ParsedPhone } from '../phone.js'
import type { RedisClient } from '../redis.js'
import { UnsealError, type Secrets } from '../secrets.js'
import { builtInServiceId, type ServiceRef, type ServiceSettings } from '../services.js'
import { isDeliveryStatus, isVerificationStatus, type Channel, type DeliveryStatus, type Verification, type VerificationStatus } from '../verification.js'
import { numberScope } from './number-scope.js'
import { channelLetter, decodeRecord, encodeNewRecord, fieldsOf, openContents, sealContents, type RecordFields, type StoredVerification } from './verification-record.js'

/** How long an ended verification stays readable, and how long a number's counters outlive their last use. */
export const RETAIN_MS = 24 * 60 * 60 * 1000
const FAILED_CHECK_WINDOW_MS = 24 * 60 * 60 * 1000

const lua = (name: string): Script => Script.load(new URL(`./lua/${name}.lua`, import.meta.url))
const scripts = {
  create: lua('create-verification'),
  check: lua('check-code'),
  end: lua('end-verification'),
  claim: lua('claim-send'),
  delivery: lua('record-delivery'),
}

export type LimitReason = 'number_cooldown' | 'number_window' | 'number_failed_checks'

/** A decision about one verification, and the verification as it reads after it. */
export interface Decided<K extends string> {
  readonly kind: K
  readonly verification: Verification
  readonly stored: StoredVerification
  /** ISO alpha-2, for metrics; not part of the resource */
  readonly country: string
}

export type StartResult = Decided<'created' | 'resent'> | { readonly kind: 'limited'; readonly reason: LimitReason; readonly retryAfterSeconds: number }

export type CheckResult =
  | { readonly kind: 'not_found' | 'malformed' }
  | { readonly kind: 'limited'; readonly reason: LimitReason; readonly retryAfterSeconds: number }
  | Decided<'approved' | 'wrong' | 'not_pending'>

export type CancelResult = { readonly kind: 'not_found' } | Decided<'canceled' | 'not_pending'>
export type ApproveResult = { readonly kind: 'not_found' } | Decided<'approved' | 'not_pending'>

export type ClaimResult =
  | { readonly kind: 'gone' | 'superseded' | 'already_sent' | 'delivered' }
  | { readonly kind: 'skip'; readonly status: VerificationStatus }
  | { readonly kind: 'send'; readonly to: string; readonly code: string; readonly expiresAt: number; readonly stored: StoredVerification }

export type CheckTarget = { readonly id: string } | { readonly to: string }

/** A verification to start: the service decides most; a request may bring its own (the MFA API, /v2). */
export interface StartRequest {
  readonly phone: ParsedPhone
  readonly service: ServiceSettings
  readonly channel: Channel
  readonly locale: Locale
  /** a code the caller chose (/v2 CustomCode); otherwise one is drawn */
  readonly code?: string
  /** default: the service's length, digits */
  readonly format?: CodeFormat
  readonly ttlSeconds?: number
  readonly maxCheckAttempts?: number
  /** always a new verification, never the pending one sent again (MFA: every request is a new token) */
  readonly fresh?: boolean
  /** MFA `from`: the sender number */
  readonly sender?: string
  /** MFA `message`: the text before the code */
  readonly prefix?: string
  /** MFA: the project that asked; only it may check */
  readonly owner?: string
  /** /v2 CustomFriendlyName: the name its messages say instead of the service's */
  readonly friendlyName?: string
}

export interface CheckRequest {
  readonly target: CheckTarget
  /** normalized (codes.ts) */
  readonly code: string
  readonly service: ServiceRef
  /** by id: the owner the verification must have (MFA) */
  readonly owner?: string
}

export interface DeliveryUpdate {
  readonly status: DeliveryStatus
  /** record only if this is still the verification's latest send attempt */
  readonly attempt?: number
  /** the provider's message id: stored when none is, ignored when another one is */
  readonly messageId?: string
  /** with messageId: record only if exactly this message id is already stored (receipts matched by number) */
  readonly strict?: boolean
  readonly error?: { readonly code: string; readonly message: string }
}

export interface VerificationStoreDeps {
  readonly redis: RedisClient
  readonly keys: Keys
  readonly secrets: Secrets
  readonly config: Pick<Config, 'redis' | 'codes' | 'limits' | 'service'>
  /** milliseconds since the epoch */
  readonly now: () => number
}

/**
 * Every read and decision about verifications, each decision one Lua script over one number's Redis Cluster slot.
 * Knows nothing about HTTP or queues; expected outcomes come back as values.
 */
export function createVerificationStore(deps: VerificationStoreDeps) {
  const { redis, keys, secrets, config } = deps
  const defaults = {
    service: builtInServiceId(config.redis.keyPrefix, 'default'),
    codeLength: config.codes.length,
    locale: config.service.defaultLocale,
  }
  const keyIds = secrets.keyIds.join(',')

  function decode<K extends string>(kind: K, id: string, fields: RecordFields, now: number, knownTo?: string): Decided<K> {
    const stored = decodeRecord(secrets, id, fields, now, defaults, knownTo)
    return { kind, verification: stored.resource, stored, country: stored.country }
  }

  /** A verification that no configured key opens (sealed with a key since dropped) is, to every caller, not there. */
  function decodeOrNotFound<K extends string>(kind: K, id: string, fields: RecordFields, now: number, knownTo?: string): Decided<K> | { readonly kind: 'not_found' } {
    try {
      return decode(kind, id, fields, now, knownTo)
    } catch (error) {
      if (error instanceof UnsealError) return { kind: 'not_found' }
      throw error
    }
  }

  async function start(request: StartRequest): Promise<StartResult> {
    const { phone, service } = request
    const now = deps.now()
    const number = numberScope(secrets, service, phone.e164)
    const id = newVerificationId(number.digest)
    const format = request.format ?? { length: service.codeLength, alphabet: 'digits' as const }
    const code = request.code ?? generateCode(format.length, format.alphabet)
    const windowMs = service.sendWindowSeconds * 1000
    const record = encodeNewRecord({
      sealed: sealContents(secrets, id, { to: phone.e164, code }),
      codeHash: secrets.codeHash(number.tag, code),
      country: phone.country,
      digest: number.digest,
      scopedDigest: number.scoped,
      service: service.builtIn === 'default' ? undefined : service.id,
      maxCheckAttempts: request.maxCheckAttempts ?? service.maxCheckAttempts,
      codeLength: code.length,
      alphabet: format.alphabet,
      locale: request.locale,
      ...(request.sender === undefined ? {} : { sender: request.sender }),
      ...(request.prefix === undefined ? {} : { prefix: request.prefix }),
      ...(request.owner === undefined ? {} : { owner: request.owner }),
      ...(request.friendlyName === undefined ? {} : { friendlyName: request.friendlyName }),
    })
    const reply = asArray(
      await scripts.create.run(
        redis,
        [keys.number(number.tag, number.scoped), keys.verification(id)],
        [
          now,
          id,
          (request.ttlSeconds ?? service.ttlSeconds) * 1000,
          service.resendCooldownSeconds * 1000,
          windowMs,
          service.maxSendsPerWindow,
          RETAIN_MS,
          Math.max(windowMs, FAILED_CHECK_WINDOW_MS),
          keys.verificationPrefix(number.tag),
          request.fresh === true ? 'fresh' : 'resend',
          channelLetter(request.channel),
          ...record,
        ],
      ),
    )
    const kind = String(reply[0])
    if (kind === 'limited') return limited(reply)
    if (kind !== 'created' && kind !== 'resent') throw new Error(`create script answered ${kind}`)
    return decode(kind, String(reply[1]), fieldsOf(reply, 2), now, phone.e164)
  }

  async function checkOnce(request: CheckRequest, key: 'current' | 'previous'): Promise<CheckResult> {
    const { target, code, service } = request
    const now = deps.now()
    const byId = 'id' in target
    let tag: string
    let numberKey = ''
    if (byId) {
      tag = tagOfId(target.id)
    } else {
      const number = numberScope(key === 'current' ? secrets : (secrets.previous ?? secrets), service, target.to)
      tag = number.tag
      numberKey = keys.number(tag, number.scoped)
    }
    const reply = asArray(
      await scripts.check.run(
        redis,
        [byId ? keys.verification(target.id) : numberKey],
        [
          byId ? 'id' : 'number',
          now,
          secrets.codeHash(tag, code),
          RETAIN_MS,
          keys.verificationPrefix(tag),
          keys.numberPrefix(tag),
          config.limits.maxFailedChecksPerDay,
          FAILED_CHECK_WINDOW_MS,
          Math.max(config.limits.sendWindowSeconds * 1000, FAILED_CHECK_WINDOW_MS),
          secrets.previous?.codeHash(tag, code) ?? '',
          service.builtIn === 'default' ? '' : service.id,
          keyIds,
          code.length,
          /^[0-9]+$/.test(code) ? 'd' : 'a',
          request.owner ?? '',
        ],
      ),
    )
    const kind = String(reply[0])
    if (kind === 'not_found' || kind === 'malformed') return { kind }
    if (kind === 'limited') return limited(reply)
    if (kind === 'approved' || kind === 'wrong' || kind === 'not_pending') return decodeOrNotFound(kind, String(reply[1]), fieldsOf(reply, 2), now, byId ? undefined : target.to)
    throw new Error(`check script answered ${kind}`)
  }

  async function end<K extends 'canceled' | 'approved'>(id: string, status: K): Promise<{ readonly kind: 'not_found' } | Decided<K | 'not_pending'>> {
    const now = deps.now()
    const reply = asArray(await scripts.end.run(redis, [keys.verification(id)], [now, RETAIN_MS, keyIds, status]))
    const kind = String(reply[0])
    if (kind === 'not_found') return { kind }
    if (kind === 'ended') return decodeOrNotFound(status, id, fieldsOf(reply, 1), now)
    if (kind === 'not_pending') return decodeOrNotFound('not_pending', id, fieldsOf(reply, 1), now)
    throw new Error(`end script answered ${kind}`)
  }

  return {
    /** Starts a verification, or sends the pending one of the number (in its service) again with the same code. */
    start,

    /**
     * Checks a normalized code against the verification named by id, or the latest one for a number, in a service.
     * While a key is being rotated out, a number the current key finds nothing for is looked up with the previous one.
     */
    async check(request: CheckRequest): Promise<CheckResult> {
      const result = await checkOnce(request, 'current')
      if (result.kind !== 'not_found' || 'id' in request.target || secrets.previous === undefined) return result
      return checkOnce(request, 'previous')
    },

    /** The Verification resource, or undefined when there is none (or no configured key opens it). */
    async get(id: string): Promise<Verification | undefined> {
      return (await this.getStored(id))?.resource
    },

    async getStored(id: string): Promise<StoredVerification | undefined> {
      const fields = await redis.hgetall(keys.verification(id))
      if (fields.s === undefined) return undefined
      try {
        return decodeRecord(secrets, id, fields, deps.now(), defaults)
      } catch (error) {
        if (error instanceof UnsealError) return undefined
        throw error
      }
    },

    async cancel(id: string): Promise<CancelResult> {
      return end(id, 'canceled')
    },

    /** Approves a pending verification without a code: the application checked its own (/v2 CustomCode flows). */
    async approve(id: string): Promise<ApproveResult> {
      return end(id, 'approved')
    },

    /**
     * The worker's first step for a job: whether to send, and what. A `fallback` claim is the call an SMS asked for:
     * made only while pending and undelivered, and then the latest send (see claim-send.lua).
     */
    async claim(id: string, attempt: number, mode: 'send' | 'fallback' = 'send'): Promise<ClaimResult> {
      const now = deps.now()
      const reply = asArray(await scripts.claim.run(redis, [keys.verification(id)], [now, attempt, mode]))
      const kind = String(reply[0])
      switch (kind) {
        case 'gone':
        case 'superseded':
        case 'already_sent':
        case 'delivered':
          return { kind }
        case 'skip': {
          const status = String(reply[1])
          return { kind: 'skip', status: isVerificationStatus(status) ? status : 'expired' }
        }
        case 'send': {
          const fields = fieldsOf(reply, 1)
          try {
            const stored = decodeRecord(secrets, id, fields, now, defaults)
            return { kind: 'send', ...openContents(secrets, id, fields.e ?? ''), expiresAt: Number(fields.xt), stored }
          } catch (error) {
            // Sealed by a key no longer configured: nothing can send it; to every reader it is not there.
            if (error instanceof UnsealError) return { kind: 'gone' }
            throw error
          }
        }
        default:
          throw new Error(`claim script answered ${kind}`)
      }
    },

    /** The latest verification id for a number (receipts that carry no reference find their way back by it). */
    async latestIdFor(e164: string, service: ServiceRef): Promise<string | undefined> {
      const number = numberScope(secrets, service, e164)
      const id = await redis.hget(keys.number(number.tag, number.scoped), 'cur')
      return id ?? undefined
    },

    /** Records a delivery step on the verification; when recorded, returns when the verification was created. */
    /** Records a delivery step; undefined when it was ignored (an older attempt, another message, not forwards). */
    async recordDelivery(id: string, update: DeliveryUpdate): Promise<{ readonly createdAt: number; readonly previous: DeliveryStatus } | undefined> {
      const recorded = await scripts.delivery.run(
        redis,
        [keys.verification(id)],
        [
          deps.now(),
          update.attempt ?? '',
          update.messageId ?? '',
          update.status,
          update.error?.code ?? '',
          redactProviderText(update.error?.message ?? ''),
          update.strict === true ? '1' : '0',
        ],
      )
      if (!Array.isArray(recorded)) return undefined
      const previous = String(recorded[1])
      return { createdAt: Number(recorded[0]), previous: isDeliveryStatus(previous) ? previous : 'queued' }
    },
  }
}

export type VerificationStore = ReturnType<typeof createVerificationStore>

function asArray(reply: ScriptReply): Array<string | number | null> {
  if (!Array.isArray(reply)) throw new Error('unexpected script reply')
  return reply
}

function limited(reply: ReadonlyArray<string | number | null>): { kind: 'limited'; reason: LimitReason; retryAfterSeconds: number } {
  return { kind: 'limited', reason: String(reply[1]) as LimitReason, retryAfterSeconds: Math.max(1, Math.ceil(Number(reply[2]) / 1000)) }
}
