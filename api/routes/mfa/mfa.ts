import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { fromUuid, uuidOf } from '../../../shared/ids.js'
import { smsSegments } from '../../../shared/messages/segments.js'
import type { AppDeps, AppEnv } from '../../deps.js'
import { on, type Endpoint } from '../../endpoint.js'
import { ApiError } from '../../errors.js'
import { readFields } from '../../input.js'
import { invalidAttribute, MfaError } from '../../mfa/wire.js'
import { COMMON, jsonResponse, REQUEST_ID } from '../../openapi/responses.js'
import type { StartOutcome } from '../../services/verifications.js'

const MFA_TAG = { tags: ['SignalWire MFA'], security: [{ signalwireBasic: [] }] }
const mfaError = z
  .object({ errors: z.array(z.object({ detail: z.string(), status: z.string(), title: z.string(), code: z.string() })) })
  .openapi('SignalWireErrors')
const errorResponse = (description: string) => ({ description, headers: REQUEST_ID, content: { 'application/json': { schema: mfaError } } })
const unauthorized = { description: 'no or wrong credentials', headers: REQUEST_ID, content: { 'application/json': { schema: z.object({ error: z.literal('Unauthorized') }).openapi('SignalWireUnauthorized') } } }

const requestBody = z
  .object({
    to: z.string().openapi({ example: '+12015550123' }),
    from: z.string().optional().openapi({ description: 'one of SIGNALWIRE_NUMBER' }),
    message: z.string().optional().openapi({ example: 'Your Personal Authorization Code is:', description: 'the text before the token; with the token, one SMS segment' }),
    token_length: z.number().int().min(4).max(20).optional().openapi({ example: 6 }),
    max_attempts: z.number().int().min(1).max(20).optional().openapi({ example: 3, description: 'the first try included' }),
    allow_alphas: z.boolean().optional(),
    valid_for: z.number().int().min(1).max(604_800).optional().openapi({ example: 3600, description: 'seconds' }),
  })
  .openapi('MfaRequest')
const requestAnswer = z.object({ id: z.string(), success: z.literal(true), to: z.string(), channel: z.enum(['sms', 'call']) }).openapi('MfaRequested')

function requestRoute(channel: 'sms' | 'call') {
  return createRoute({
    ...COMMON,
    ...MFA_TAG,
    method: 'post',
    path: `/api/relay/rest/mfa/${channel}`,
    operationId: `mfa${channel === 'sms' ? 'Sms' : 'Call'}`,
    summary: channel === 'sms' ? 'Text a new token' : 'Call with a new token',
    request: { body: { required: true, content: { 'application/json': { schema: requestBody } } } },
    responses: {
      200: jsonResponse('a new request: its id, for verify', requestAnswer),
      401: unauthorized,
      413: errorResponse('the body is too large'),
      415: errorResponse('not JSON'),
      422: errorResponse('an invalid attribute, or a number that may not receive codes (by SMS, or by call)'),
      429: errorResponse('a send limit is reached'),
      500: errorResponse('a bug on our side'),
      503: errorResponse('Redis is unavailable'),
    },
  })
}

const verifyRoute = createRoute({
  ...COMMON,
  ...MFA_TAG,
  method: 'post',
  path: '/api/relay/rest/mfa/{id}/verify',
  operationId: 'mfaVerify',
  summary: 'Check a token',
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '0c5a8919-abf5-4ff1-a440-3494fe5bc830' }) }),
    body: { required: true, content: { 'application/json': { schema: z.object({ token: z.string() }).openapi('MfaVerify') } } },
  },
  responses: {
    200: jsonResponse('whether the token is right', z.object({ success: z.boolean() }).openapi('MfaVerified')),
    401: unauthorized,
    404: errorResponse('used, expired, out of attempts, or never existed'),
    413: errorResponse('the body is too large'),
    415: errorResponse('not JSON'),
    422: errorResponse('no token'),
    500: errorResponse('a bug on our side'),
    503: errorResponse('Redis is unavailable'),
  },
})

/** The JSON body, as an object; anything else is 422. */
async function bodyOf(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().includes('json')) {
    // Form bodies are read too (some clients send them), with numbers and booleans as text.
    const fields = await readFields(c).catch((error: unknown) => {
      if (error instanceof ApiError) throw invalidAttribute(error.message)
      throw error
    })
    return { ...fields }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(await c.req.text())
  } catch {
    throw invalidAttribute('the body is not valid JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidAttribute('the body must be a JSON object')
  return parsed as Record<string, unknown>
}

function integer(body: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const raw = body[name]
  if (raw === undefined || raw === null || raw === '') return fallback
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isInteger(value) || value < min || value > max) throw invalidAttribute(`${name} must be a whole number from ${min} to ${max}`)
  return value
}

function boolean(body: Record<string, unknown>, name: string): boolean {
  const raw = body[name]
  if (raw === undefined || raw === null || raw === '') return false
  if (raw === true || raw === 'true') return true
  if (raw === false || raw === 'false') return false
  throw invalidAttribute(`${name} must be true or false`)
}

function startRefusal(outcome: Exclude<StartOutcome, { kind: 'sent' }>): MfaError {
  switch (outcome.kind) {
    case 'invalid_phone_number':
      return invalidAttribute('to must be a valid phone number, E.164')
    case 'invalid_locale':
      return invalidAttribute('the language is not supported')
    case 'country_not_allowed':
      return invalidAttribute('codes cannot be sent to this country')
    case 'number_type_not_allowed':
    case 'landline':
      return invalidAttribute('codes cannot be sent to this kind of number')
    case 'limited':
      return new MfaError(429, 'too many codes were requested; try again later', outcome.retryAfterSeconds)
    case 'queue_saturated':
      return new MfaError(503, 'more codes are waiting than can be sent before they expire; try again later', 30)
    case 'fraud_suspected':
      return invalidAttribute(`codes to ${outcome.prefix} are paused until ${new Date(outcome.until).toISOString()}: ${outcome.reason}`)
    case 'idempotency_in_progress':
    case 'idempotency_mismatch':
      return new MfaError(500, 'unexpected idempotency outcome')
  }
}

const DEFAULT_MESSAGE = 'Your Personal Authorization Code is:'

/** SignalWire's MFA API: every request a new token and a new id; verify by that id, by the project that asked. */
export const mfaEndpoints: Endpoint = {
  routes: [requestRoute('sms'), requestRoute('call'), verifyRoute],
  surface: 'mfa',
  mount(app, deps: AppDeps) {
    const senders = deps.config.provider.kind === 'signalwire' ? deps.config.provider.numbers : []
    for (const channel of ['sms', 'call'] as const) {
      on(app, requestRoute(channel), async (c) => {
        const body = await bodyOf(c)
        if (typeof body.to !== 'string' || body.to.length === 0) throw invalidAttribute('to is required')
        const from = body.from
        if (from !== undefined && from !== null && (typeof from !== 'string' || !senders.includes(from))) throw invalidAttribute('from must be one of the project’s numbers')
        const message = body.message === undefined || body.message === null ? DEFAULT_MESSAGE : body.message
        if (typeof message !== 'string' || message.trim().length === 0) throw invalidAttribute('message must be text')
        const length = integer(body, 'token_length', 4, 20, 6)
        const maxAttempts = integer(body, 'max_attempts', 1, 20, 3)
        const validFor = integer(body, 'valid_for', 1, 604_800, 3600)
        const alphabet = boolean(body, 'allow_alphas') ? ('alphanumeric' as const) : ('digits' as const)
        if (channel === 'sms' && smsSegments(`${message} ${'W'.repeat(length)}`).segments > 1) throw invalidAttribute('message and token must fit one SMS segment')
        if (channel === 'call' && message.length > 200) throw invalidAttribute('message must be at most 200 characters')
        const outcome = await deps.verifications.start({
          to: body.to,
          service: deps.serviceStore.builtIn.mfa,
          channel,
          requestId: c.get('requestId'),
          mfa: {
            format: { length, alphabet },
            ttlSeconds: validFor,
            maxCheckAttempts: maxAttempts,
            prefix: message,
            owner: c.get('account'),
            ...(typeof from === 'string' ? { sender: from } : {}),
          },
        })
        if (outcome.kind !== 'sent') throw startRefusal(outcome)
        return c.json({ id: uuidOf(outcome.verification.id) ?? outcome.verification.id, success: true, to: outcome.verification.to, channel }, 200)
      })
    }

    on(app, verifyRoute, async (c) => {
      const body = await bodyOf(c)
      const token = body.token
      if (typeof token !== 'string' && typeof token !== 'number') throw invalidAttribute('token is required')
      const id = fromUuid(c.req.param('id') ?? '')
      if (id === undefined) throw new MfaError(404, 'Not Found')
      const outcome = await deps.verifications.check({ target: { id }, code: String(token), service: deps.serviceStore.builtIn.mfa, owner: c.get('account') })
      switch (outcome.kind) {
        case 'approved':
          return c.json({ success: true }, 200)
        case 'wrong':
        case 'malformed':
        case 'malformed_code':
          return c.json({ success: false }, 200)
        case 'limited':
        case 'not_pending':
        case 'not_found':
        case 'invalid_phone_number':
          throw new MfaError(404, 'Not Found')
      }
    })
  },
}
