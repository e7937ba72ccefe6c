import type { RedisClient } from '../redis.js'
import type { Config } from '../config.js'
import { generateCode } from '../codes.js'
import { newVerificationId, tagOfDigest, tagOfId, type Keys } from '../keys.js'
import type { ParsedPhone } from '../phone.js'
import type { Secrets } from '../secrets.js'
import {
  isDeliveryStatus,
  isVerificationStatus,
  type DeliveryStatus,
  type Verification,
  type VerificationStatus,
} from '../verification.js'
import { cancelScript, checkScript, claimScript, createScript, deliveryScript } from './lua.js'
import type { ScriptReply } from './script.js'

/** How long an ended verification stays readable, and how long a number's counters outlive their last use. */
export const RETAIN_MS = 24 * 60 * 60 * 1000
const FAILED_CHECK_WINDOW_MS = 24 * 60 * 60 * 1000

export type LimitReason = 'number_cooldown' | 'number_window' | 'number_failed_checks'

export type StartResult =
  | { readonly kind: 'created' | 'resent'; readonly verification: Verification; readonly country: string }
  | { readonly kind: 'limited'; readonly reason: LimitReason; readonly retryAfterSeconds: number }

/** `country` (ISO alpha-2) rides along for metrics; it is not part of the Verification resource. */
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

export interface StoreDeps {
  readonly redis: RedisClient
  readonly keys: Keys
  readonly secrets: Secrets
  readonly config: Pick<Config, 'codes' | 'limits' | 'abuse'>
  /** milliseconds since the epoch */
  readonly now: () => number
}

/**
 * The verification store: every read and decision about codes goes through here, each decision one Lua script.
 * It knows nothing about HTTP or queues; expected outcomes come back as values.
 */
export function createVerificationStore(deps: StoreDeps) {
  const { redis, keys, secrets, config } = deps
  const ttlMs = config.codes.ttlSeconds * 1000
  const windowMs = config.limits.sendWindowSeconds * 1000
  const numberTtlMs = Math.max(windowMs, FAILED_CHECK_WINDOW_MS)

  function toVerification(id: string, fields: Record<string, string>, now: number): Verification {
    const [to] = secrets.open(id, fields.e ?? '').split('\n')
    const rawStatus = fields.s ?? 'pending'
    const expiresAt = Number(fields.xt)
    let status: VerificationStatus = isVerificationStatus(rawStatus) ? rawStatus : 'pending'
    // Expiry is lazy in Redis; a reader sees it the moment it happens.
    if (status === 'pending' && now >= expiresAt) status = 'expired'
    const deliveryStatus = fields.ds !== undefined && isDeliveryStatus(fields.ds) ? fields.ds : 'queued'
    const updatedAt = status === 'expired' && fields.s === 'pending' ? expiresAt : Number(fields.ut)
    return {
      id,
      to: to ?? '',
      channel: 'sms',
      status,
      sendAttempts: Number(fields.sa ?? 1),
      checkAttempts: Number(fields.ca ?? 0),
      maxCheckAttempts: Number(fields.mc ?? config.codes.maxCheckAttempts),
      createdAt: iso(fields.ct),
      updatedAt: iso(updatedAt),
      expiresAt: iso(expiresAt),
      delivery: {
        status: deliveryStatus,
        updatedAt: iso(fields.du ?? fields.ct),
        ...(fields.dm === undefined ? {} : { messageId: fields.dm }),
        ...(fields.dc === undefined ? {} : { error: { code: fields.dc, message: fields.de ?? '' } }),
      },
    }
  }

  return {
    /** Starts a verification for `phone`, or sends the pending one again with the same code. */
    async start(phone: ParsedPhone): Promise<StartResult> {
      const now = deps.now()
      const digest = secrets.numberDigest(phone.e164)
      const id = newVerificationId(digest)
      const code = generateCode(config.codes.length)
      const reply = asArray(
        await createScript.run(
          redis,
          [keys.number(digest), keys.verification(id)],
          [
            now,
            id,
            secrets.seal(id, `${phone.e164}\n${code}`),
            secrets.codeHash(tagOfDigest(digest), code),
            phone.country,
            digest,
            ttlMs,
            config.codes.maxCheckAttempts,
            config.limits.resendCooldownSeconds * 1000,
            windowMs,
            config.limits.maxSendsPerWindow,
            RETAIN_MS,
            numberTtlMs,
            keys.verificationPrefix(tagOfDigest(digest)),
          ],
        ),
      )
      const kind = String(reply[0])
      if (kind === 'limited') return limited(reply)
      if (kind === 'resent') {
        const pendingId = String(reply[1])
        const fields = pairs(reply, 2)
        return { kind: 'resent', verification: toVerification(pendingId, fields, now), country: fields.c ?? phone.country }
      }
      const at = iso(now)
      return {
        kind: 'created',
        country: phone.country,
        verification: {
          id,
          to: phone.e164,
          channel: 'sms',
          status: 'pending',
          sendAttempts: 1,
          checkAttempts: 0,
          maxCheckAttempts: config.codes.maxCheckAttempts,
          createdAt: at,
          updatedAt: at,
          expiresAt: iso(now + ttlMs),
          delivery: { status: 'queued', updatedAt: at },
        },
      }
    },

    /** Checks a normalized code against the verification named by id, or the latest one for a number. */
    async check(target: CheckTarget, code: string): Promise<CheckResult> {
      const now = deps.now()
      let key: string
      let tag: string
      let mode: 'id' | 'number'
      if ('id' in target) {
        tag = tagOfId(target.id)
        key = keys.verification(target.id)
        mode = 'id'
      } else {
        const digest = secrets.numberDigest(target.to)
        tag = tagOfDigest(digest)
        key = keys.number(digest)
        mode = 'number'
      }
      const reply = asArray(
        await checkScript.run(
          redis,
          [key],
          [
            mode,
            now,
            secrets.codeHash(tag, code),
            RETAIN_MS,
            keys.verificationPrefix(tag),
            keys.numberPrefix(tag),
            config.abuse.maxFailedChecksPerDay,
            FAILED_CHECK_WINDOW_MS,
            numberTtlMs,
          ],
        ),
      )
      const kind = String(reply[0])
      if (kind === 'not_found') return { kind: 'not_found' }
      if (kind === 'limited') return limited(reply)
      if (kind !== 'approved' && kind !== 'wrong' && kind !== 'not_pending') throw new Error(`check script answered ${kind}`)
      const fields = pairs(reply, 2)
      return { kind, verification: toVerification(String(reply[1]), fields, now), country: fields.c ?? 'ZZ' }
    },

    async get(id: string): Promise<Verification | undefined> {
      const fields = await redis.hgetall(keys.verification(id))
      if (fields.s === undefined) return undefined
      return toVerification(id, fields, deps.now())
    },

    async cancel(id: string): Promise<CancelResult> {
      const now = deps.now()
      const reply = asArray(await cancelScript.run(redis, [keys.verification(id)], [now, RETAIN_MS]))
      const kind = String(reply[0])
      if (kind === 'not_found') return { kind: 'not_found' }
      if (kind !== 'canceled' && kind !== 'not_pending') throw new Error(`cancel script answered ${kind}`)
      const fields = pairs(reply, 1)
      return { kind, verification: toVerification(id, fields, now), country: fields.c ?? 'ZZ' }
    },

    /** The worker's first step for a job: whether to send, and what. */
    async claim(id: string, attempt: number): Promise<ClaimResult> {
      const reply = asArray(await claimScript.run(redis, [keys.verification(id)], [deps.now(), attempt]))
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
        case 'send': {
          const [to = '', code = ''] = secrets.open(id, String(reply[1])).split('\n')
          return { kind: 'send', to, code, expiresAt: Number(reply[2]) }
        }
        default:
          throw new Error(`claim script answered ${kind}`)
      }
    },

    /** The latest verification id for a number (receipts that carry no reference find their way back by it). */
    async latestIdFor(e164: string): Promise<string | undefined> {
      const id = await redis.hget(keys.number(secrets.numberDigest(e164)), 'cur')
      return id ?? undefined
    },

    /** Records a delivery step on the verification; when recorded, returns when the verification was created. */
    async recordDelivery(id: string, update: DeliveryUpdate): Promise<{ readonly createdAt: number } | undefined> {
      const recorded = await deliveryScript.run(
        redis,
        [keys.verification(id)],
        [
          deps.now(),
          update.attempt ?? '',
          update.messageId ?? '',
          update.status,
          update.error?.code ?? '',
          (update.error?.message ?? '').slice(0, 200),
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

function pairs(reply: Array<string | number | null>, from: number): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = from; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
  return out
}

function limited(reply: Array<string | number | null>): StartResult & CheckResult & { kind: 'limited' } {
  const reason = String(reply[1]) as LimitReason
  return { kind: 'limited', reason, retryAfterSeconds: Math.max(1, Math.ceil(Number(reply[2]) / 1000)) }
}

function iso(ms: string | number | undefined): string {
  const value = Number(ms)
  return Number.isFinite(value) ? new Date(value).toISOString() : new Date(0).toISOString()
}
