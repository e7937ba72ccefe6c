import { createHmac } from 'node:crypto'
import { lookup } from 'node:dns'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { DelayedError, UnrecoverableError, type Job } from 'bullmq'
import type { Config } from '../shared/config/index.js'
import { isPrivateAddress, isPrivateHost, webhookSecretBytes } from '../shared/config/schema.js'
import {
  expiryJobSchema,
  openPayload,
  webhookJobSchema,
  WEBHOOK_JOB_NAME,
  EXPIRY_JOB_NAME,
  type EventEmitter,
  type EventJob,
  type WebhookJob,
} from '../shared/events.js'
import type { Logger } from '../shared/logger.js'
import type { WorkerMetrics } from '../shared/metrics.js'
import type { Secrets } from '../shared/secrets.js'
import type { VerificationStore } from '../shared/store/verification-store.js'

/*
 * Delivers the application's webhook events (shared/events.ts), signed by the Standard Webhooks scheme: headers
 * `webhook-id` (the event's id, the same on every attempt), `webhook-timestamp` (seconds) and `webhook-signature`
 * (`v1,` + base64 HMAC-SHA256 of "id.timestamp.body" with WEBHOOK_SECRET's key). A 2xx answer delivers; 410 stops;
 * anything else, or no answer within WEBHOOK_TIMEOUT_MS, is retried after each delay of WEBHOOK_RETRY_SCHEDULE,
 * and the last failure stays on the job (Bull Board) with the last answer.
 *
 * Receivers on loopback or private addresses are refused unless WEBHOOK_ALLOW_PRIVATE: the name is resolved here,
 * every address it gives is checked, and the connection goes to the address that was checked (no second lookup for
 * a DNS rebind to slip through). Redirects are not followed.
 */

/** A receiver's answer as the job keeps it (the body's first characters only: it is theirs, and it may be big). */
export class WebhookFailure extends Error {
  override name = 'WebhookFailure'
}

const ANSWER_KEPT = 200

export interface WebhookDeliveryDeps {
  readonly config: Pick<Config, 'webhooks'>
  readonly secrets: Secrets
  readonly store: Pick<VerificationStore, 'get'>
  readonly events: EventEmitter
  readonly logger: Logger
  readonly metrics?: WorkerMetrics
  readonly now: () => number
}

/** Standard Webhooks' signature of one request. */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`
}

/** BullMQ's backoff for the events queue: the delay before retry N is WEBHOOK_RETRY_SCHEDULE[N-1]. */
export function webhookBackoff(schedule: readonly number[]): (attemptsMade: number) => number {
  return (attemptsMade) => (schedule[Math.min(attemptsMade, schedule.length) - 1] ?? schedule.at(-1) ?? 60) * 1000
}

export function createWebhookProcessor(deps: WebhookDeliveryDeps) {
  const { config, secrets, logger, metrics } = deps
  const key = webhookSecretBytes(config.webhooks.secret ?? '')
  const allowPrivate = config.webhooks.allowPrivate

  /** DNS for the request: every address checked, the checked one used. */
  const guardedLookup: LookupFunction = (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, '', 4)
      const list = addresses as Array<{ address: string; family: number }>
      if (!allowPrivate && list.some((a) => isPrivateAddress(a.address))) {
        return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: 'EPRIVATE' }), '', 4)
      }
      const first = list[0]
      if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 4)
      // Node asks for one address (all: false) or every address (all: true, happy eyeballs).
      if ((options as { all?: boolean }).all === true) return (callback as unknown as (e: null, a: typeof list) => void)(null, list)
      callback(null, first.address, first.family)
    })
  }

  function post(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; answer: string }> {
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'User-Agent': 'sms-two-factor-auth-webhooks' },
          timeout: config.webhooks.timeoutMs,
          lookup: guardedLookup,
        },
        (res: IncomingMessage) => {
          let answer = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => {
            if (answer.length < ANSWER_KEPT) answer += chunk
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 0, answer: answer.slice(0, ANSWER_KEPT) }))
          res.on('error', reject)
        },
      )
      // One limit for the whole attempt: connecting, sending, and the receiver's answer.
      const deadline = setTimeout(() => req.destroy(new WebhookFailure(`no answer within ${config.webhooks.timeoutMs} ms`)), config.webhooks.timeoutMs)
      req.on('close', () => clearTimeout(deadline))
      req.on('timeout', () => req.destroy(new WebhookFailure(`no answer within ${config.webhooks.timeoutMs} ms`)))
      req.on('error', reject)
      req.end(body)
    })
  }

  async function deliver(job: Job<EventJob>, data: WebhookJob): Promise<string> {
    if (key === undefined) throw new UnrecoverableError('WEBHOOK_SECRET is not set')
    const { url, body } = openPayload(secrets, data)
    const target = new URL(url)
    const log = logger.child({ eventId: data.eventId, type: data.type, receiver: target.origin, attempt: job.attemptsMade + 1 })
    if (!allowPrivate && isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0 && isPrivateHost(target.hostname)) {
      metrics?.webhookAttempts.inc({ outcome: 'refused' })
      throw new UnrecoverableError(`${target.hostname} is a private address (WEBHOOK_ALLOW_PRIVATE is off)`)
    }
    const timestamp = Math.floor(Date.now() / 1000)
    const started = performance.now()
    let answer: { status: number; answer: string }
    try {
      answer = await post(target, { 'webhook-id': data.eventId, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(key, data.eventId, timestamp, body) }, body)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      const reason = error instanceof WebhookFailure ? error.message : code === 'EPRIVATE' ? 'the receiver resolves to a private address (WEBHOOK_ALLOW_PRIVATE is off)' : `could not reach the receiver (${typeof code === 'string' ? code : 'error'})`
      metrics?.webhookAttempts.inc({ outcome: error instanceof WebhookFailure ? 'timeout' : code === 'EPRIVATE' ? 'refused' : 'unreachable' })
      log.warn({ reason }, 'webhook attempt failed')
      throw new WebhookFailure(reason)
    } finally {
      metrics?.webhookAttemptSeconds.observe((performance.now() - started) / 1000)
    }
    if (answer.status >= 200 && answer.status < 300) {
      metrics?.webhookAttempts.inc({ outcome: 'delivered' })
      metrics?.webhookEvents.inc({ type: data.type })
      metrics?.webhookLatency.observe(Math.max(0, deps.now() - data.at) / 1000)
      log.info({ status: answer.status }, 'webhook delivered')
      return 'delivered'
    }
    const last = `HTTP ${answer.status}${answer.answer.length > 0 ? `: ${answer.answer.replace(/\s+/g, ' ')}` : ''}`
    if (answer.status === 410) {
      metrics?.webhookAttempts.inc({ outcome: 'gone' })
      log.warn({ status: 410 }, 'webhook receiver answered 410: no more attempts for this event')
      throw new UnrecoverableError(`${last} (410: the receiver asked for no more attempts)`)
    }
    metrics?.webhookAttempts.inc({ outcome: 'rejected' })
    log.warn({ status: answer.status }, 'webhook attempt refused by the receiver')
    throw new WebhookFailure(last)
  }

  /** verification.expired, when the timer finds the verification expired unused. */
  async function expiry(job: Job<EventJob>, token: string | undefined, data: { readonly verificationId: string }): Promise<string> {
    const verification = await deps.store.get(data.verificationId)
    if (verification === undefined) return 'gone'
    const expiresAt = Date.parse(verification.expiresAt)
    if (verification.status === 'pending' && token !== undefined) {
      // Due a moment early (the queue's clock is Redis's, the expiry this process's): look again just after it.
      await job.moveToDelayed(Date.now() + Math.max(50, expiresAt - deps.now() + 50), token)
      throw new DelayedError()
    }
    if (verification.status !== 'expired') return 'ended'
    await deps.events.emit('verification.expired', verification, `${verification.id}.expired`)
    return 'expired'
  }

  return async function processEventJob(job: Job<EventJob>, token?: string): Promise<string> {
    if (job.name === EXPIRY_JOB_NAME) {
      const parsed = expiryJobSchema.safeParse(job.data)
      if (!parsed.success) throw new UnrecoverableError('malformed expiry job')
      return expiry(job, token, parsed.data)
    }
    if (job.name !== WEBHOOK_JOB_NAME) throw new UnrecoverableError(`unknown event job ${job.name.slice(0, 40)}`)
    const parsed = webhookJobSchema.safeParse(job.data)
    if (!parsed.success) throw new UnrecoverableError('malformed webhook job')
    try {
      return await deliver(job, parsed.data)
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError) metrics?.webhookFailures.inc({ type: parsed.data.type })
      throw error
    }
  }
}
