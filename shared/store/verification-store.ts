import { generateCode } from '../codes.js'
import type { Config } from '../config/index.js'
import { newVerificationId, tagOfId } from '../ids.js'
import type { Keys } from '../keys.js'
import { Script, type ScriptReply } from '../lua-script.js'
import { redactProviderText, type ParsedPhone } from '../phone.js'
import type { RedisClient } from '../redis.js'
import { UnsealError, type Secrets } from '../secrets.js'
import type { ServiceRef } from '../services.js'
import { isVerificationStatus, type DeliveryStatus, type Verification, type VerificationStatus } from '../verification.js'
import { numberScope } from './number-scope.js'
import { countryOf, fieldsOf, openContents, sealContents, toVerification } from './verification-record.js'

/** How long an ended verification stays readable, and how long a number's counters outlive their last use. */
export const RETAIN_MS = 24 * 60 * 60 * 1000
const FAILED_CHECK_WINDOW_MS = 24 * 60 * 60 * 1000

const lua = (name: string): Script => Script.load(new URL(`./lua/${name}.lua`, import.meta.url))
const scripts = {
  create: lua('create-verification'),
  check: lua('check-code'),
  cancel: lua('cancel-verification'),
  claim: lua('claim-send'),
  delivery: lua('record-delivery'),
}

export type LimitReason = 'number_cooldown' | 'number_window' | 'number_failed_checks'

/** `country` (ISO alpha-2) rides along for metrics; it is not part of the Verification resource. */
export type StartResult =
  | { readonly kind: 'created' | 'resent'; readonly verification: Verification; readonly country: string }
  | { readonly kind: 'limited'; readonly reason: LimitReason; readonly retryAfterSeconds: number }

export type CheckResult =
  | { readonly kind: 'not_found' }
  | { readonly kind: 'limited'; readonly reason: LimitReason; readonly retryAfterSeconds: number }
  | { readonly kind: 'approved' | 'wrong' | 'not_pending'; readonly verification: Verification; readonly country: string }

export type CancelResult =
  | { readonly kind: 'not_found' }
  | { readonly kind: 'canceled' | 'not_pending'; readonly verification: Verification; readonly country: string }

export type ClaimResult =
  | { readonly kind: 'gone' | 'superseded' | 'already_sent' }
  | { readonly kind: 'skip'; readonly status: VerificationStatus }
  | { readonly kind: 'send'; readonly to: string; readonly code: string; readonly expiresAt: number }

export type CheckTarget = { readonly id: string } | { readonly to: string }

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
  readonly config: Pick<Config, 'codes' | 'limits'>
  /** milliseconds since the epoch */
  readonly now: () => number
}

/**
 * Every read and decision about verifications, each decision one Lua script over one number's Redis Cluster slot.
 * Knows nothing about HTTP or queues; expected outcomes come back as values.
 */
export function createVerificationStore(deps: VerificationStoreDeps) {
  const { redis, keys, secrets, config } = deps
  const ttlMs = config.codes.ttlSeconds * 1000
  const windowMs = config.limits.sendWindowSeconds * 1000
  const numberTtlMs = Math.max(windowMs, FAILED_CHECK_WINDOW_MS)

  /** `{ outcome, id, ...fields }` → the outcome and the verification it is about. */
  function decode<K extends string>(kind: K, reply: ReadonlyArray<string | number | null>, now: number) {
    const id = String(reply[1])
    const fields = fieldsOf(reply, 2)
    return { kind, verification: toVerification(secrets, id, fields, now), country: countryOf(fields) }
  }

  /** A verification that no configured key opens (sealed with a key since dropped) is, to every caller, not there. */
  function decodeOrNotFound<K extends string>(kind: K, reply: ReadonlyArray<string | number | null>, now: number) {
    try {
      return decode(kind, reply, now)
    } catch (error) {
      if (error instanceof UnsealError) return { kind: 'not_found' as const }
      throw error
    }
  }

  async function startVerification(phone: ParsedPhone, service: ServiceRef): Promise<StartResult> {
    const now = deps.now()
    const number = numberScope(secrets, service, phone.e164)
    const id = newVerificationId(number.digest)
    const code = generateCode(config.codes.length)
    const reply = asArray(
      await scripts.create.run(
        redis,
        [keys.number(number.tag, number.scoped), keys.verification(id)],
        [
          now,
          id,
          sealContents(secrets, id, { to: phone.e164, code }),
          secrets.codeHash(number.tag, code),
          phone.country,
          number.digest,
          ttlMs,
          config.codes.maxCheckAttempts,
          config.limits.resendCooldownSeconds * 1000,
          windowMs,
          config.limits.maxSendsPerWindow,
          RETAIN_MS,
          numberTtlMs,
          keys.verificationPrefix(number.tag),
          service.builtIn === 'default' ? '' : service.id,
          number.scoped === number.digest ? '' : number.scoped,
        ],
      ),
    )
    const kind = String(reply[0])
    if (kind === 'limited') return limited(reply)
    if (kind !== 'created' && kind !== 'resent') throw new Error(`create script answered ${kind}`)
    return decode(kind, reply, now)
  }

  async function checkOnce(target: CheckTarget, code: string, service: ServiceRef, key: 'current' | 'previous'): Promise<CheckResult> {
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
          numberTtlMs,
          secrets.previous?.codeHash(tag, code) ?? '',
          service.builtIn === 'default' ? '' : service.id,
          secrets.keyIds.join(','),
        ],
      ),
    )
    const kind = String(reply[0])
    if (kind === 'not_found') return { kind }
    if (kind === 'limited') return limited(reply)
    if (kind === 'approved' || kind === 'wrong' || kind === 'not_pending') return decodeOrNotFound(kind, reply, now)
    throw new Error(`check script answered ${kind}`)
  }

  return {
    /** Starts a verification for `phone` in `service`, or sends the pending one again with the same code. */
    start: startVerification,

    /**
     * Checks a normalized code against the verification named by id, or the latest one for a number, in `service`.
     * While a key is being rotated out, a number the current key finds nothing for is looked up with the previous one.
     */
    async check(target: CheckTarget, code: string, service: ServiceRef): Promise<CheckResult> {
      const result = await checkOnce(target, code, service, 'current')
      if (result.kind !== 'not_found' || 'id' in target || secrets.previous === undefined) return result
      return checkOnce(target, code, service, 'previous')
    },

    async get(id: string): Promise<Verification | undefined> {
      const fields = await redis.hgetall(keys.verification(id))
      if (fields.s === undefined) return undefined
      try {
        return toVerification(secrets, id, fields, deps.now())
      } catch (error) {
        if (error instanceof UnsealError) return undefined
        throw error
      }
    },

    async cancel(id: string): Promise<CancelResult> {
      const now = deps.now()
      const reply = asArray(await scripts.cancel.run(redis, [keys.verification(id)], [now, RETAIN_MS, secrets.keyIds.join(',')]))
      const kind = String(reply[0])
      if (kind === 'not_found') return { kind }
      if (kind === 'canceled' || kind === 'not_pending') return decodeOrNotFound(kind, [kind, id, ...reply.slice(1)], now)
      throw new Error(`cancel script answered ${kind}`)
    },

    /** The worker's first step for a job: whether to send, and what. */
    async claim(id: string, attempt: number): Promise<ClaimResult> {
      const reply = asArray(await scripts.claim.run(redis, [keys.verification(id)], [deps.now(), attempt]))
      const kind = String(reply[0])
      switch (kind) {
        case 'gone':
        case 'superseded':
        case 'already_sent':
          return { kind }
        case 'skip': {
          const status = String(reply[1])
          return { kind: 'skip', status: isVerificationStatus(status) ? status : 'expired' }
        }
        case 'send':
          try {
            return { kind: 'send', ...openContents(secrets, id, String(reply[1])), expiresAt: Number(reply[2]) }
          } catch (error) {
            // Sealed by a key no longer configured: nothing can send it; to every reader it is not there.
            if (error instanceof UnsealError) return { kind: 'gone' }
            throw error
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
    async recordDelivery(id: string, update: DeliveryUpdate): Promise<{ readonly createdAt: number } | undefined> {
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
      return typeof recorded === 'number' && recorded > 0 ? { createdAt: recorded } : undefined
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
