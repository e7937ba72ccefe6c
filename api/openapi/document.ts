import { OpenAPIHono, z } from '@hono/zod-openapi'
import { EVENT_TYPES } from '../../shared/events.js'
import { verificationSchema } from '../schemas.js'
import { IDEMPOTENCY_TTL_MS } from '../idempotency.js'
import { endpointsFor } from '../routes/index.js'

/** The OpenAPI 3.1 document served at /openapi.json. */
export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>

/**
 * The OpenAPI 3.1 document, assembled from the route definitions of the endpoints the service serves. Pure:
 * docsRoutes() builds it once at startup. Without PUBLIC_ROUTES the demo page and the form routes are left out, as
 * the service then answers them with 404.
 */
export function buildOpenApiDocument(options: { publicRoutes: boolean }): OpenApiDocument {
  const replayHours = IDEMPOTENCY_TTL_MS / 3_600_000
  const generator = new OpenAPIHono()
  const registry = generator.openAPIRegistry
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of the keys in `API_KEYS`. No keys configured: every /v1 call is 401.',
  })
  registry.registerComponent('securitySchemes', 'twilioBasic', {
    type: 'http',
    scheme: 'basic',
    description: 'An Account SID and its auth token from `TWILIO_COMPAT_CREDENTIALS`, as the Twilio clients send them.',
  })
  registry.registerComponent('securitySchemes', 'signalwireBasic', {
    type: 'http',
    scheme: 'basic',
    description: 'A project and its token from `SIGNALWIRE_MFA_CREDENTIALS`.',
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

  for (const endpoint of endpointsFor(options)) for (const route of endpoint.routes) registry.registerPath(route)

  // What the service POSTs to WEBHOOK_URLS (README "Webhooks"): one entry per event type.
  const eventBody = z
    .object({ type: z.enum(EVENT_TYPES), timestamp: z.string().openapi({ example: '2026-12-01T10:00:03.000Z' }), data: verificationSchema })
    .openapi('WebhookEvent')
  const signed = z.object({
    'webhook-id': z.string().openapi({ description: 'the event’s id, the same on every retry', example: 'evt_ver_4ihbhlb6xrbmjbcianxe5weifa.approved' }),
    'webhook-timestamp': z.string().openapi({ description: 'seconds since the epoch', example: '1796122803' }),
    'webhook-signature': z.string().openapi({ description: 'v1, then the base64 HMAC-SHA256 of "id.timestamp.body" with WEBHOOK_SECRET' }),
  })
  for (const type of EVENT_TYPES) {
    registry.registerWebhook({
      method: 'post',
      path: type,
      summary: `${type}, signed by the Standard Webhooks scheme`,
      request: { headers: signed, body: { content: { 'application/json': { schema: eventBody } } } },
      responses: { 200: { description: 'any 2xx: taken; 410: no more attempts for this event; anything else or no answer in time: retried on WEBHOOK_RETRY_SCHEDULE' } },
    })
  }

  return generator.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'sms-two-factor-auth',
      version: 'v1',
      description: `SMS two-factor authentication: text a one-time code to a number, then check the code the user typed. Every response carries \`X-Request-Id\`; errors are \`{ "error": { "code", "message", "requestId" } }\`. \`POST /v1/verifications\` takes an \`Idempotency-Key\`: the same key within ${replayHours} hours replays the first answer and sends nothing.`,
    },
    tags: [
      { name: 'Verifications', description: 'The JSON API for applications (Bearer key).' },
      { name: 'Twilio Verify v2', description: 'Wire-compatible with Twilio Verify v2: point the official clients here (README "Moving from Twilio Verify").' },
      { name: 'SignalWire MFA', description: 'Wire-compatible with SignalWire’s MFA API (README "Moving from SignalWire MFA").' },
      ...(options.publicRoutes ? [{ name: 'Form routes', description: "The original guide's interface: GET or POST, fields from the query, a form or JSON." }] : []),
      { name: 'Health' },
    ],
  })
}
