import { z, type RouteConfig } from '@hono/zod-openapi'
import { ERROR_STATUS, type ErrorCode } from '../errors.js'
import { FORM_ERROR_TEXT, FORM_OWN_ANSWERS } from '../form-text.js'
import { errorSchema } from '../schemas.js'
import { TWILIO_ERRORS, twilioErrorBody, type TwilioCode } from '../v2/wire.js'

/*
 * Pieces every route definition uses: error responses grouped by status through the one code→status table (so the
 * document cannot give a code a status the service does not answer with), JSON and form bodies, header references.
 */

type Responses = RouteConfig['responses']
type RequestBody = NonNullable<NonNullable<RouteConfig['request']>['body']>
type Content = RequestBody['content']

const ref = (kind: 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` })
export const headerRef = (name: string) => ref('headers', name)
export const REQUEST_ID = { 'X-Request-Id': ref('headers', 'X-Request-Id') }
const RETRY_AFTER = { 'Retry-After': ref('headers', 'Retry-After') }
/** Every operation takes an X-Request-Id. */
export const COMMON = { parameters: [ref('parameters', 'X-Request-Id')] }

export const plainText = z.string()

/** Example messages, one per code: a Record, so a new code cannot be added without its documentation. */
const EXAMPLES: Record<ErrorCode, { message: string; details?: Record<string, string> }> = {
  invalid_request: { message: 'to: Invalid input: expected string, received undefined' },
  invalid_phone_number: { message: 'The phone number is not valid.' },
  unauthorized: { message: 'A valid API key is required: Authorization: Bearer <key>.' },
  forbidden: { message: 'Forbidden' },
  country_not_allowed: { message: 'Codes cannot be sent to this country.', details: { country: 'CU' } },
  number_type_not_allowed: { message: 'Codes cannot be sent to this kind of number.', details: { type: 'FIXED_LINE' } },
  fraud_suspected: {
    message: 'Codes to +447911 are paused: the fraud guard saw too few of them used.',
    details: { prefix: '+447911', until: '2026-12-01T12:15:00.000Z', reason: '1 of 24 codes sent to +447911 in the last hour was used' },
  },
  not_found: { message: 'No verification was found.' },
  not_pending: { message: 'The verification is approved.', details: { status: 'approved' } },
  idempotency_conflict: { message: 'A request with this Idempotency-Key is still being processed.' },
  idempotency_key_reused: { message: 'This Idempotency-Key was used with a different request.' },
  payload_too_large: { message: 'The request body is larger than 16 KB.' },
  unsupported_media_type: { message: 'Content-Type text/xml is not accepted; send application/json or application/x-www-form-urlencoded.' },
  rate_limited: { message: 'A code was just sent to this number; wait before asking for another.', details: { reason: 'number_cooldown' } },
  internal_error: { message: 'Something went wrong on our side.' },
  unavailable: { message: 'The service is temporarily unavailable; try again shortly.' },
  queue_saturated: { message: 'More codes are waiting to be sent than can be delivered before they expire; try again later.' },
}

/** Errors any /v1 call may answer, and errors of any call with a body. */
export const V1_ALWAYS: readonly ErrorCode[] = ['invalid_request', 'unauthorized', 'internal_error', 'unavailable']
export const BODY_ERRORS: readonly ErrorCode[] = ['payload_too_large', 'unsupported_media_type']

/**
 * The error responses for `codes`, grouped by status, each code an example under its name (the contract test reads
 * them back). Form routes also answer the same statuses as plain text.
 */
export function errorResponses(codes: readonly ErrorCode[], surface: 'v1' | 'form'): Responses {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of new Set(codes)) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code])
  const responses: Responses = {}
  for (const [status, group] of byStatus) {
    const examples = Object.fromEntries(
      group.map((code) => {
        const { message, details } = EXAMPLES[code]
        const text = surface === 'form' && FORM_OWN_ANSWERS.has(code) ? FORM_ERROR_TEXT[code] : message
        return [code, { value: { error: { ...details, code, message: text, requestId: 'req_3k4m5n6p7q8r9s2t' } } }]
      }),
    )
    const content: Content = { 'application/json': { schema: errorSchema, examples } }
    if (surface === 'form') {
      const texts = Object.fromEntries(group.map((code) => [code, { value: FORM_ERROR_TEXT[code] }]))
      content['text/plain'] = { schema: plainText, examples: texts }
    }
    responses[status] = {
      description: group.map((code) => `\`${code}\``).join(' · '),
      headers: {
        ...REQUEST_ID,
        ...(status === 429 || status === 503 ? RETRY_AFTER : {}),
        ...(status === 401 ? { 'WWW-Authenticate': ref('headers', 'WWW-Authenticate') } : {}),
      },
      content,
    }
  }
  return responses
}

/** A request body given as JSON, or as the same fields in a form. */
export function jsonOrForm(schema: z.ZodType, description?: string): RequestBody {
  return {
    required: true,
    ...(description === undefined ? {} : { description }),
    content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
  }
}

export function jsonResponse(description: string, schema: z.ZodType, extraHeaders: Record<string, { $ref: string }> = {}): Responses[string] {
  return { description, headers: { ...REQUEST_ID, ...extraHeaders }, content: { 'application/json': { schema } } }
}

/** Twilio's error body (/v2). */
export const twilioErrorSchema = z
  .object({
    code: z.number().int().openapi({ example: 60200 }),
    message: z.string().openapi({ example: 'Invalid parameter: To' }),
    more_info: z.string().openapi({ example: 'https://www.twilio.com/docs/errors/60200' }),
    status: z.number().int().openapi({ example: 400 }),
  })
  .openapi('TwilioError')

/** /v2 error responses for `codes`, grouped by status, each code an example named `twilio-<code>`. */
export function twilioErrorResponses(codes: readonly TwilioCode[]): Responses {
  const byStatus = new Map<number, TwilioCode[]>()
  for (const code of new Set(codes)) byStatus.set(TWILIO_ERRORS[code].status, [...(byStatus.get(TWILIO_ERRORS[code].status) ?? []), code])
  const responses: Responses = {}
  for (const [status, group] of byStatus) {
    const examples = Object.fromEntries(group.map((code) => [`twilio-${code}`, { value: twilioErrorBody(code, TWILIO_ERRORS[code].message, status) }]))
    responses[status] = {
      description: group.map((code) => `\`${code}\` ${TWILIO_ERRORS[code].message}`).join(' · '),
      headers: REQUEST_ID,
      content: { 'application/json': { schema: twilioErrorSchema, examples } },
    }
  }
  return responses
}

/** Errors any /v2 call may answer. */
export const V2_ALWAYS: readonly TwilioCode[] = [20003, 20404, 20413, 20415, 20500, 20503]

/** A /v2 form body (the Twilio clients send application/x-www-form-urlencoded). */
export function formBody(schema: z.ZodType): RequestBody {
  return { required: false, content: { 'application/x-www-form-urlencoded': { schema } } }
}
