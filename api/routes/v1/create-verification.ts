import { createRoute, z } from '@hono/zod-openapi'
import { on, parseFields, type Endpoint } from '../../endpoint.js'
import { ApiError } from '../../errors.js'
import { IDEMPOTENCY_TTL_MS } from '../../idempotency.js'
import { BODY_ERRORS, COMMON, errorResponses, headerRef, jsonOrForm, jsonResponse, V1_ALWAYS } from '../../openapi/responses.js'
import { createVerificationBody, idempotencyKeySchema, verificationSchema } from '../../schemas.js'
import { rateLimited, serviceOf, V1_OPERATION } from './common.js'

const replayHours = IDEMPOTENCY_TTL_MS / 3_600_000

const route = createRoute({
  ...COMMON,
  ...V1_OPERATION,
  method: 'post',
  path: '/v1/verifications',
  operationId: 'createVerification',
  summary: 'Send a code',
  description:
    'Creates a verification and texts a code to `to`. While one is pending for that number, the same code is sent again (`200`, `sendAttempts` + 1, same `expiresAt`).',
  request: {
    headers: z.object({
      'Idempotency-Key': idempotencyKeySchema.optional().openapi({
        description: `Makes the call safe to retry: the same key within ${replayHours} hours replays the first answer (same status and Verification, \`Idempotent-Replayed: true\`) and sends nothing. The same key with a different body is \`422 idempotency_key_reused\`; while the first request is still running, \`409 idempotency_conflict\`. 1 to 255 printable ASCII characters.`,
      }),
    }),
    body: jsonOrForm(createVerificationBody),
  },
  responses: {
    201: jsonResponse('a new Verification', verificationSchema, { 'Idempotent-Replayed': headerRef('Idempotent-Replayed') }),
    200: jsonResponse('the pending Verification for `to`, sent again with the same code', verificationSchema, {
      'Idempotent-Replayed': headerRef('Idempotent-Replayed'),
    }),
    ...errorResponses(
      [
        ...V1_ALWAYS,
        ...BODY_ERRORS,
        'invalid_phone_number',
        'not_found',
        'country_not_allowed',
        'number_type_not_allowed',
        'fraud_suspected',
        'idempotency_conflict',
        'idempotency_key_reused',
        'rate_limited',
        'queue_saturated',
      ],
      'v1',
    ),
  },
})

export const createVerification: Endpoint = {
  routes: [route],
  surface: 'v1',
  mount(app, deps) {
    on(app, route, async (c) => {
      const body = await parseFields(c, createVerificationBody)
      const idempotencyKey = c.req.header('idempotency-key')
      if (idempotencyKey !== undefined && !idempotencyKeySchema.safeParse(idempotencyKey).success) {
        throw new ApiError('invalid_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters.')
      }
      if (body.fallback !== undefined && body.channel === 'call') throw new ApiError('invalid_request', 'fallback: only an SMS falls back to a call.')
      const service = await serviceOf(deps, body.service)
      if (service === undefined) throw new ApiError('not_found', 'No such service.')
      const outcome = await deps.verifications.start({
        to: body.to,
        service,
        requestId: c.get('requestId'),
        ...(body.locale === undefined ? {} : { locale: body.locale }),
        ...(body.channel === undefined ? {} : { channel: body.channel }),
        ...(body.fallback === undefined ? {} : { fallback: body.fallback }),
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
      })
      switch (outcome.kind) {
        case 'sent':
          if (outcome.replayed === true) c.header('Idempotent-Replayed', 'true')
          return c.json(outcome.verification, outcome.created ? 201 : 200)
        case 'invalid_phone_number':
          throw new ApiError('invalid_phone_number', 'The phone number is not valid.')
        case 'invalid_locale':
          throw new ApiError('invalid_request', 'locale: the service has no texts in that language.')
        case 'country_not_allowed':
          throw new ApiError('country_not_allowed', 'Codes cannot be sent to this country.', { country: outcome.country })
        case 'number_type_not_allowed':
          throw new ApiError(
            'number_type_not_allowed',
            outcome.channel === 'call' ? 'This kind of number cannot receive calls.' : 'Codes cannot be sent to this kind of number.',
            { type: outcome.type, ...(outcome.channel === 'call' ? { channel: 'call' } : {}) },
          )
        case 'landline':
          throw new ApiError('number_type_not_allowed', 'This service sends no SMS to landlines.', { type: 'FIXED_LINE' })
        case 'limited':
          throw rateLimited(outcome.reason, outcome.retryAfterSeconds)
        case 'fraud_suspected':
          throw new ApiError('fraud_suspected', `Codes to ${outcome.prefix} are paused: the fraud guard saw too few of them used.`, {
            prefix: outcome.prefix,
            until: new Date(outcome.until).toISOString(),
            reason: outcome.reason,
          })
        case 'queue_saturated':
          throw new ApiError('queue_saturated', 'More codes are waiting to be sent than can be delivered before they expire; try again later.', {}, 30)
        case 'idempotency_in_progress':
          throw new ApiError('idempotency_conflict', 'A request with this Idempotency-Key is still being processed.')
        case 'idempotency_mismatch':
          throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was used with a different request.')
      }
    })
  },
}
