import { createRoute } from '@hono/zod-openapi'
import { on, parseFields, type Endpoint } from '../../endpoint.js'
import { ApiError } from '../../errors.js'
import { BODY_ERRORS, COMMON, errorResponses, jsonOrForm, jsonResponse, V1_ALWAYS } from '../../openapi/responses.js'
import { checkResultSchema, checkVerificationBody } from '../../schemas.js'
import { notFound, notPending, rateLimited, serviceOf, V1_OPERATION } from './common.js'

const route = createRoute({
  ...COMMON,
  ...V1_OPERATION,
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
})

export const checkVerification: Endpoint = {
  routes: [route],
  surface: 'v1',
  mount(app, deps) {
    on(app, route, async (c) => {
      const body = await parseFields(c, checkVerificationBody)
      const service = await serviceOf(deps, body.service)
      if (service === undefined) throw new ApiError('not_found', 'No such service.')
      const outcome = await deps.verifications.check({ target: body.id !== undefined ? { id: body.id } : { to: body.to ?? '' }, code: body.code, service })
      switch (outcome.kind) {
        case 'invalid_phone_number':
          throw new ApiError('invalid_phone_number', 'The phone number is not valid.')
        case 'malformed':
        case 'malformed_code':
          throw new ApiError('invalid_request', 'The code is malformed: it must be digits only, of the configured length.')
        case 'not_found':
          throw notFound()
        case 'limited':
          throw rateLimited(outcome.reason, outcome.retryAfterSeconds)
        case 'not_pending':
          throw notPending(outcome.verification)
        case 'approved':
        case 'wrong': {
          const v = outcome.verification
          return c.json(
            {
              id: v.id,
              to: v.to,
              status: v.status,
              valid: outcome.kind === 'approved',
              checkAttemptsRemaining: Math.max(0, v.maxCheckAttempts - v.checkAttempts),
            },
            200,
          )
        }
      }
    })
  },
}
