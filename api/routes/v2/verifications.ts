import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { normalizeCode } from '../../../shared/codes.js'
import { fromTwilioSid } from '../../../shared/ids.js'
import { parsePhone } from '../../../shared/phone.js'
import type { ServiceSettings } from '../../../shared/services.js'
import type { StoredVerification } from '../../../shared/store/verification-record.js'
import type { AppDeps, AppEnv } from '../../deps.js'
import { on, type Endpoint } from '../../endpoint.js'
import type { BucketLimit } from '../../limits/shared-limits.js'
import { COMMON, formBody, jsonResponse, twilioErrorResponses, V2_ALWAYS } from '../../openapi/responses.js'
import type { StartOutcome } from '../../services/verifications.js'
import { checkResource, verificationResource } from '../../v2/resources.js'
import type { RateLimitStore } from '../../v2/rate-limit-store.js'
import { baseUrl, invalidParameter, jsonObjectParam, notFoundError, TwilioError, twilioParams } from '../../v2/wire.js'
import { ownService, resource, serviceSidParam, V2_OPERATION } from './common.js'

const base = { ...COMMON, ...V2_OPERATION }
const verificationParams = serviceSidParam.extend({
  Sid: z.string().openapi({ param: { name: 'Sid', in: 'path' }, example: 'VE0123456789abcdef0123456789abcdef' }),
})

const create = createRoute({
  ...base,
  method: 'post',
  path: '/v2/Services/{ServiceSid}/Verifications',
  operationId: 'v2CreateVerification',
  summary: 'Start a verification (the same one, with the same code, while one is pending for To)',
  request: {
    params: serviceSidParam,
    body: formBody(
      z
        .object({
          To: z.string().openapi({ example: '+12015550123' }),
          Channel: z.string().openapi({ example: 'sms', description: 'sms or call' }),
          Locale: z.string().optional().openapi({ example: 'es' }),
          CustomCode: z.string().optional().openapi({ description: 'with CustomCodeEnabled: the code to send' }),
          CustomFriendlyName: z.string().max(30).optional().openapi({ example: 'Acme Payments', description: 'the name the message says instead of the service’s; at most 30 characters' }),
          RateLimits: z.string().optional().openapi({ example: '{"end_user_ip_address":"203.0.113.7"}', description: 'JSON: a value for each rate limit, by unique name' }),
        })
        .openapi('VerificationParameters'),
    ),
  },
  responses: {
    201: jsonResponse('the Verification', resource('TwilioVerification')),
    ...twilioErrorResponses([...V2_ALWAYS, 60200, 60203, 60205, 60223, 60410, 60605, 20429]),
  },
})
const fetchOne = createRoute({
  ...base,
  method: 'get',
  path: '/v2/Services/{ServiceSid}/Verifications/{Sid}',
  operationId: 'v2FetchVerification',
  summary: 'Fetch a pending verification (approved, canceled, expired or used up: 404)',
  request: { params: verificationParams },
  responses: { 200: jsonResponse('the Verification', resource('TwilioVerification')), ...twilioErrorResponses(V2_ALWAYS) },
})
const update = createRoute({
  ...base,
  method: 'post',
  path: '/v2/Services/{ServiceSid}/Verifications/{Sid}',
  operationId: 'v2UpdateVerification',
  summary: 'Cancel or approve a pending verification',
  request: { params: verificationParams, body: formBody(z.object({ Status: z.enum(['canceled', 'approved']) }).openapi('VerificationStatusUpdate')) },
  responses: { 200: jsonResponse('the Verification', resource('TwilioVerification')), ...twilioErrorResponses([...V2_ALWAYS, 60441]) },
})
const check = createRoute({
  ...base,
  method: 'post',
  path: '/v2/Services/{ServiceSid}/VerificationCheck',
  operationId: 'v2CheckVerification',
  summary: 'Check a code, by To or VerificationSid',
  request: {
    params: serviceSidParam,
    body: formBody(z.object({ Code: z.string(), To: z.string().optional(), VerificationSid: z.string().optional() }).openapi('VerificationCheckParameters')),
  },
  responses: { 200: jsonResponse('the check: status approved and valid true for the right code', resource('TwilioVerificationCheck')), ...twilioErrorResponses([...V2_ALWAYS, 60200, 60202]) },
})

/** The caller's pending verification named in the path (anything else, to /v2, is gone: 404 / 20404). */
async function pendingVerification(c: Context<AppEnv>, deps: AppDeps, service: ServiceSettings): Promise<StoredVerification> {
  const id = fromTwilioSid(c.req.param('Sid') ?? '')
  const stored = id === undefined ? undefined : await deps.verifications.get(id)
  if (stored === undefined || stored.resource.service !== service.id || stored.resource.status !== 'pending') throw notFoundError(c)
  return stored
}

/** The buckets a create counts against: for each rate limit named in RateLimits, every bucket of it. */
async function bucketsOf(rateLimits: Record<string, string> | undefined, service: ServiceSettings, store: RateLimitStore): Promise<BucketLimit[]> {
  if (rateLimits === undefined) return []
  const byName = await store.withBuckets(service.id)
  const out: BucketLimit[] = []
  for (const [name, value] of Object.entries(rateLimits)) {
    const buckets = byName.get(name)
    if (buckets === undefined) throw invalidParameter('RateLimits')
    for (const b of buckets) out.push({ bucketSid: b.sid, max: b.max, intervalSeconds: b.interval, value })
  }
  return out
}

function startError(outcome: Exclude<StartOutcome, { kind: 'sent' }>): TwilioError {
  switch (outcome.kind) {
    case 'invalid_phone_number':
      return invalidParameter('To')
    case 'invalid_locale':
      return invalidParameter('Locale')
    case 'country_not_allowed':
      return new TwilioError(60605)
    case 'landline':
      return new TwilioError(60205)
    case 'number_type_not_allowed':
      return outcome.channel === 'call' ? new TwilioError(60410, 'Verification delivery attempt blocked: this kind of number cannot receive calls') : new TwilioError(60205)
    case 'limited':
      return outcome.reason === 'bucket'
        ? new TwilioError(20429, 'Too many requests: a rate limit of this service is reached', outcome.retryAfterSeconds)
        : new TwilioError(60203, 'Max send attempts reached', outcome.retryAfterSeconds)
    case 'queue_saturated':
      return new TwilioError(20503, 'Service unavailable: more codes are waiting than can be sent before they expire', 30)
    case 'fraud_suspected':
      return new TwilioError(60410, `Verification delivery attempt blocked: codes to ${outcome.prefix} are paused until ${new Date(outcome.until).toISOString()} (${outcome.reason})`)
    case 'idempotency_in_progress':
    case 'idempotency_mismatch':
      return new TwilioError(20500)
  }
}

/** Twilio Verify v2 Verifications and VerificationCheck, with Twilio's semantics where they differ from /v1's. */
export const v2Verifications: Endpoint = {
  routes: [create, fetchOne, update, check],
  surface: 'v2',
  mount(app, deps: AppDeps) {
    on(app, create, async (c) => {
      const service = await ownService(c, deps)
      const p = await twilioParams(c)
      if (p.To === undefined) throw invalidParameter('To')
      if (p.Channel === undefined) throw invalidParameter('Channel')
      if (p.Channel !== 'sms' && p.Channel !== 'call') throw new TwilioError(60223, `Delivery channel disabled: ${p.Channel.slice(0, 16)}`)
      const channel = p.Channel
      let customCode: string | undefined
      if (p.CustomCode !== undefined) {
        customCode = normalizeCode(p.CustomCode, { alphabet: 'digits' })
        if (!service.customCodeEnabled || customCode === undefined || customCode.length > 10) throw invalidParameter('CustomCode')
      }
      const friendlyName = p.CustomFriendlyName
      if (friendlyName !== undefined && (friendlyName.length > 30 || friendlyName.trim().length === 0)) throw invalidParameter('CustomFriendlyName')
      const buckets = await bucketsOf(jsonObjectParam(p, 'RateLimits'), service, deps.rateLimits)
      const outcome = await deps.verifications.start({
        to: p.To,
        service,
        channel,
        requestId: c.get('requestId'),
        ...(p.Locale === undefined ? {} : { locale: p.Locale }),
        ...(customCode === undefined ? {} : { customCode }),
        ...(friendlyName === undefined ? {} : { friendlyName }),
        ...(buckets.length === 0 ? {} : { buckets }),
      })
      if (outcome.kind !== 'sent') {
        const error = startError(outcome)
        if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds))
        throw error
      }
      const type = service.lookupEnabled ? parsePhone(outcome.verification.to)?.type : undefined
      return c.json(verificationResource(outcome.stored, service, baseUrl(c, deps.config), type), 201)
    })

    on(app, fetchOne, async (c) => {
      const service = await ownService(c, deps)
      const stored = await pendingVerification(c, deps, service)
      const type = service.lookupEnabled ? parsePhone(stored.resource.to)?.type : undefined
      return c.json(verificationResource(stored, service, baseUrl(c, deps.config), type), 200)
    })

    on(app, update, async (c) => {
      const service = await ownService(c, deps)
      const p = await twilioParams(c)
      if (p.Status !== 'canceled' && p.Status !== 'approved') throw new TwilioError(60441, 'Invalid verification status: Status must be canceled or approved')
      const stored = await pendingVerification(c, deps, service)
      const ended = p.Status === 'canceled' ? await deps.verifications.cancel(stored.resource.id) : await deps.verifications.approve(stored.resource.id)
      if (ended.kind === 'not_found' || ended.kind === 'not_pending') throw notFoundError(c)
      return c.json(verificationResource(ended.stored, service, baseUrl(c, deps.config), undefined), 200)
    })

    on(app, check, async (c) => {
      const service = await ownService(c, deps)
      const p = await twilioParams(c)
      const code = p.Code
      if (code === undefined || code.length < 4 || code.length > 10) throw invalidParameter('Code')
      let target: { readonly id: string } | { readonly to: string }
      if (p.VerificationSid !== undefined) {
        const id = fromTwilioSid(p.VerificationSid)
        if (id === undefined) throw notFoundError(c)
        target = { id }
      } else if (p.To !== undefined) {
        target = { to: p.To }
      } else {
        throw invalidParameter('VerificationSid')
      }
      const outcome = await deps.verifications.check({ target, code, service })
      switch (outcome.kind) {
        case 'invalid_phone_number':
          throw invalidParameter('To')
        case 'approved':
        case 'wrong':
          return c.json(checkResource(outcome.stored, service), 200)
        case 'malformed':
        case 'malformed_code': {
          // Not this verification's length: wrong, as Twilio answers it, but no attempt is spent on it.
          const pending = 'id' in target ? await deps.verifications.get(target.id) : await deps.verifications.latestFor(target.to, service)
          if (pending?.resource.status !== 'pending' || pending.resource.service !== service.id) throw notFoundError(c)
          return c.json(checkResource(pending, service), 200)
        }
        case 'limited':
          throw new TwilioError(60202, 'Max check attempts reached', outcome.retryAfterSeconds)
        case 'not_pending':
          if (outcome.verification.status === 'max_attempts_reached') throw new TwilioError(60202)
          throw notFoundError(c)
        case 'not_found':
          throw notFoundError(c)
      }
    })
  },
}
