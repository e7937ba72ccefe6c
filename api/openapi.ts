import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi'
import { IDEMPOTENCY_TTL_MS } from '../shared/store/idempotency.js'
import { ERROR_STATUS, type ErrorCode } from './errors.js'
import {
  checkResultSchema,
  checkVerificationBody,
  createVerificationBody,
  errorSchema,
  idempotencyKeySchema,
  requestAuthFields,
  validateAuthFields,
  verificationIdParams,
  verificationSchema,
} from './schemas.js'

/** The OpenAPI 3.1 document served at /openapi.json. */
export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>

type Responses = RouteConfig['responses']
type RequestBody = NonNullable<NonNullable<RouteConfig['request']>['body']>
type Content = RequestBody['content']

const ref = (kind: 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` })
const REQUEST_ID = { 'X-Request-Id': ref('headers', 'X-Request-Id') }
const RETRY_AFTER = { 'Retry-After': ref('headers', 'Retry-After') }

// Response shapes no request validation produces: they exist only to be documented.
const formMessage = z.object({ message: z.string().openapi({ example: 'Your code was sent' }) }).openapi('FormMessage')
const plainText = z.string()

/** Example messages, one per code: a Record, so a new code cannot be added without its documentation. */
const EXAMPLES: Record<ErrorCode, { message: string; details?: Record<string, string> }> = {
  invalid_request: { message: 'to: Invalid input: expected string, received undefined' },
  invalid_phone_number: { message: 'The phone number is not valid.' },
  unauthorized: { message: 'A valid API key is required: Authorization: Bearer <key>.' },
  forbidden: { message: 'Forbidden' },
  country_not_allowed: { message: 'Codes cannot be sent to this country.', details: { country: 'CU' } },
  number_type_not_allowed: { message: 'Codes cannot be sent to this kind of number.', details: { type: 'FIXED_LINE' } },
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

/** The form routes' plain-text answers (the guide's wording). */
const FORM_TEXT: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'Bad Request',
  invalid_phone_number: 'Invalid Phone Number',
  forbidden: 'Forbidden',
  country_not_allowed: 'Forbidden',
  number_type_not_allowed: 'Forbidden',
  payload_too_large: 'Payload Too Large',
  unsupported_media_type: 'Unsupported Media Type',
  rate_limited: 'Too Many Requests',
  internal_error: 'Internal Server Error',
  unavailable: 'Service Unavailable',
  queue_saturated: 'Service Unavailable',
}

/** Answers the form routes write themselves carry their plain text as the JSON message too; thrown errors do not. */
const FORM_OWN_ANSWERS: ReadonlySet<ErrorCode> = new Set(['invalid_phone_number', 'forbidden', 'country_not_allowed', 'number_type_not_allowed', 'rate_limited', 'queue_saturated'])

/**
 * Error responses grouped by status through the one code→status table, so the document cannot give a code a status
 * the service does not answer with. Form routes also answer the same statuses as plain text.
 */
function errorResponses(codes: readonly ErrorCode[], surface: 'v1' | 'form'): Responses {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code])
  const responses: Responses = {}
  for (const [status, group] of byStatus) {
    const examples = Object.fromEntries(
      group.map((code) => {
        const { message, details } = EXAMPLES[code]
        const text = surface === 'form' && FORM_OWN_ANSWERS.has(code) ? (FORM_TEXT[code] ?? message) : message
        return [code, { value: { error: { ...details, code, message: text, requestId: 'req_3k4m5n6p7q8r9s2t' } } }]
      }),
    )
    const content: Content = { 'application/json': { schema: errorSchema, examples } }
    if (surface === 'form') {
      const texts = Object.fromEntries(group.map((code) => [code, { value: FORM_TEXT[code] ?? EXAMPLES[code].message }]))
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

/** Request bodies of /v1: JSON, or the same fields as a form. */
function jsonOrForm(schema: z.ZodType, description?: string): RequestBody {
  return {
    required: true,
    ...(description === undefined ? {} : { description }),
    content: { 'application/json': { schema }, 'application/x-www-form-urlencoded': { schema } },
  }
}

function jsonResponse(description: string, schema: z.ZodType, extraHeaders: Record<string, { $ref: string }> = {}): Responses[string] {
  return { description, headers: { ...REQUEST_ID, ...extraHeaders }, content: { 'application/json': { schema } } }
}

const V1_ALWAYS: readonly ErrorCode[] = ['invalid_request', 'unauthorized', 'internal_error', 'unavailable']
const BODY_ERRORS: readonly ErrorCode[] = ['payload_too_large', 'unsupported_media_type']
const COMMON = { parameters: [ref('parameters', 'X-Request-Id')] }
const V1 = { ...COMMON, tags: ['Verifications'], security: [{ bearerAuth: [] }] }
const replayHours = IDEMPOTENCY_TTL_MS / 3_600_000

const idempotencyKeyHeader = z.object({
  'Idempotency-Key': idempotencyKeySchema.optional().openapi({
    description: `Makes the call safe to retry: the same key within ${replayHours} hours replays the first answer (same status and Verification, \`Idempotent-Replayed: true\`) and sends nothing. The same key with a different body is \`422 idempotency_key_reused\`; while the first request is still running, \`409 idempotency_conflict\`. 1 to 255 printable ASCII characters.`,
  }),
})

const v1Routes: RouteConfig[] = [
  {
    ...V1,
    method: 'post',
    path: '/v1/verifications',
    operationId: 'createVerification',
    summary: 'Send a code',
    description:
      'Creates a verification and texts a code to `to`. While one is pending for that number, the same code is sent again (`200`, `sendAttempts` + 1, same `expiresAt`).',
    request: { headers: idempotencyKeyHeader, body: jsonOrForm(createVerificationBody) },
    responses: {
      201: jsonResponse('a new Verification', verificationSchema, { 'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed') }),
      200: jsonResponse('the pending Verification for `to`, sent again with the same code', verificationSchema, {
        'Idempotent-Replayed': ref('headers', 'Idempotent-Replayed'),
      }),
      ...errorResponses(
        [...V1_ALWAYS, ...BODY_ERRORS, 'invalid_phone_number', 'country_not_allowed', 'number_type_not_allowed', 'idempotency_conflict', 'idempotency_key_reused', 'rate_limited', 'queue_saturated'],
        'v1',
      ),
    },
  },
  {
    ...V1,
    method: 'post',
    path: '/v1/verifications/check',
    operationId: 'checkVerification',
    summary: 'Check a code',
    description:
      'Right code → `valid: true, status: "approved"`; wrong → `valid: false`, `status` `pending` or `max_attempts_reached` on the last allowed try. By `to`, the latest verification for that number is checked. A malformed code is a `400` and spends no attempt.',
    request: { body: jsonOrForm(checkVerificationBody, 'Give `code` and exactly one of `to` or `id`.') },
    responses: {
      200: jsonResponse('the outcome of the check', checkResultSchema),
      ...errorResponses([...V1_ALWAYS, ...BODY_ERRORS, 'invalid_phone_number', 'not_found', 'not_pending', 'rate_limited'], 'v1'),
    },
  },
  {
    ...V1,
    method: 'get',
    path: '/v1/verifications/{id}',
    operationId: 'getVerification',
    summary: 'Read a verification',
    description: 'Ended verifications (approved, canceled, expired, max_attempts_reached) stay readable for 24 hours.',
    request: { params: verificationIdParams },
    responses: { 200: jsonResponse('the Verification', verificationSchema), ...errorResponses([...V1_ALWAYS, 'not_found'], 'v1') },
  },
  {
    ...V1,
    method: 'post',
    path: '/v1/verifications/{id}/cancel',
    operationId: 'cancelVerification',
    summary: 'Cancel a pending verification',
    request: { params: verificationIdParams },
    responses: {
      200: jsonResponse('the Verification, now `canceled`', verificationSchema),
      ...errorResponses([...V1_ALWAYS, 'not_found', 'not_pending'], 'v1'),
    },
  },
]

const healthRoutes: RouteConfig[] = [
  {
    ...COMMON,
    tags: ['Health'],
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'The process runs',
    responses: { 200: jsonResponse('running', z.object({ status: z.literal('ok') }).openapi('Health')) },
  },
  {
    ...COMMON,
    tags: ['Health'],
    method: 'get',
    path: '/readyz',
    operationId: 'readiness',
    summary: 'Redis answers',
    responses: {
      200: jsonResponse('ready', z.object({ status: z.literal('ready') }).openapi('Ready')),
      503: jsonResponse('Redis did not answer within a second', z.object({ status: z.literal('unavailable') }).openapi('NotReady')),
    },
  },
]

function formSuccess(text: string): Responses[string] {
  return {
    description: text,
    headers: REQUEST_ID,
    content: { 'text/plain': { schema: plainText, example: text }, 'application/json': { schema: formMessage, example: { message: text } } },
  }
}

const FORM_NOTE =
  'The answer is plain text; with `Accept: application/json` it is `{ "message" }` or the error envelope; a browser form post (`Accept: text/html`) gets the demo page back with the answer on it.'

function formRoutes(): RouteConfig[] {
  const forms = [
    {
      path: '/request-auth',
      name: 'requestAuth',
      summary: 'Send a code (form interface)',
      description: `Texts a code to \`number\`; while one is pending for that number, the same code is sent again. ${FORM_NOTE}`,
      fields: requestAuthFields,
      success: 'Your code was sent',
      errors: ['invalid_request', 'invalid_phone_number', 'country_not_allowed', 'number_type_not_allowed', 'rate_limited', 'unavailable', 'queue_saturated'],
    },
    {
      path: '/validate-auth',
      name: 'validateAuth',
      summary: 'Check a code (form interface)',
      description: `\`403\` for a wrong, unknown, expired, canceled or used code; once the attempts are used up every try is \`429\`, the right code included. ${FORM_NOTE}`,
      fields: validateAuthFields,
      success: 'Success!',
      errors: ['invalid_request', 'invalid_phone_number', 'forbidden', 'rate_limited', 'unavailable'],
    },
  ] as const
  return forms.flatMap((form): RouteConfig[] => {
    const base = { ...COMMON, tags: ['Form routes'], path: form.path, summary: form.summary, description: form.description }
    const errors = [...form.errors, 'internal_error'] as const
    return [
      {
        ...base,
        method: 'get',
        operationId: `${form.name}Get`,
        request: { query: form.fields },
        responses: { 200: formSuccess(form.success), ...errorResponses(errors, 'form') },
      },
      {
        ...base,
        method: 'post',
        operationId: `${form.name}Post`,
        description: `${form.description} Fields may also come from the query string; the body wins.`,
        request: { body: jsonOrForm(form.fields) },
        responses: { 200: formSuccess(form.success), ...errorResponses([...errors, ...BODY_ERRORS], 'form') },
      },
    ]
  })
}

const demoPage: RouteConfig = {
  ...COMMON,
  tags: ['Form routes'],
  method: 'get',
  path: '/',
  operationId: 'demoPage',
  summary: 'The demo page',
  description: 'The two forms of the original guide, posting to `/request-auth` and `/validate-auth`; they work without JavaScript.',
  responses: { 200: { description: 'HTML', headers: REQUEST_ID, content: { 'text/html': { schema: plainText } } } },
}

/**
 * Builds the OpenAPI 3.1 document from the zod schemas that validate requests. Pure: docsRoutes() calls it once at
 * startup and serves the serialized result. `publicRoutes: false` leaves out the demo page and the form routes, as
 * the service then answers them with 404.
 */
export function buildOpenApiDocument(options: { publicRoutes: boolean }): OpenApiDocument {
  const app = new OpenAPIHono()
  const registry = app.openAPIRegistry
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of the keys in `API_KEYS`. No keys configured: every /v1 call is 401.',
  })
  registry.registerComponent('parameters', 'X-Request-Id', {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Echoed when it is 1 to 128 letters, digits, `_`, `-` or `=`; otherwise a new id is made.',
    schema: { type: 'string', maxLength: 128, pattern: '^[\\w=-]+$' },
  })
  registry.registerComponent('headers', 'X-Request-Id', {
    description: 'The request id, also in error bodies and logs.',
    schema: { type: 'string', example: 'req_3k4m5n6p7q8r9s2t' },
  })
  registry.registerComponent('headers', 'Retry-After', { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 0 } })
  registry.registerComponent('headers', 'WWW-Authenticate', { description: 'The bearer challenge.', schema: { type: 'string' } })
  registry.registerComponent('headers', 'Idempotent-Replayed', {
    description: `\`true\` when this is the stored answer to an earlier request with the same \`Idempotency-Key\` (kept ${replayHours} hours); nothing was sent.`,
    schema: { type: 'string', enum: ['true'] },
  })

  const routes = [...(options.publicRoutes ? [demoPage, ...formRoutes()] : []), ...v1Routes, ...healthRoutes]
  for (const route of routes) registry.registerPath(route)

  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'sms-two-factor-auth',
      version: 'v1',
      description: `SMS two-factor authentication: text a one-time code to a number, then check the code the user typed. Every response carries \`X-Request-Id\`; errors are \`{ "error": { "code", "message", "requestId" } }\`. \`POST /v1/verifications\` takes an \`Idempotency-Key\`: the same key within ${replayHours} hours replays the first answer and sends nothing.`,
    },
    tags: [
      { name: 'Verifications', description: 'The JSON API for applications (Bearer key).' },
      ...(options.publicRoutes ? [{ name: 'Form routes', description: "The original guide's interface: GET or POST, fields from the query, a form or JSON." }] : []),
      { name: 'Health' },
    ],
  })
}
