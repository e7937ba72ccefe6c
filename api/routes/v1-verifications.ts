import { Hono, type Context } from 'hono'
import type { z } from '@hono/zod-openapi'
import type { CheckOutcome } from '../services/verifications.js'
import type { Verification } from '../../shared/verification.js'
import type { SharedLimitReason } from '../../shared/store/limits.js'
import type { LimitReason } from '../../shared/store/store.js'
import type { AppDeps, AppEnv } from '../env.js'
import { ApiError } from '../errors.js'
import { header } from '../headers.js'
import { readFields } from '../input.js'
import { checkVerificationBody, createVerificationBody, describeIssues, idempotencyKeySchema } from '../schemas.js'

/** The JSON API for applications: create, check, get, cancel. Mounted at /v1 behind API keys. */
export function v1Verifications(deps: AppDeps): Hono<AppEnv> {
  const { verifications } = deps
  const app = new Hono<AppEnv>()

  app.post('/verifications', async (c) => {
    const body = await parse(c, createVerificationBody)
    const idempotencyKey = header(c, 'idempotency-key')
    if (idempotencyKey !== undefined && !idempotencyKeySchema.safeParse(idempotencyKey).success) {
      throw new ApiError('invalid_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters.')
    }
    const outcome = await verifications.start(body.to, { requestId: c.get('requestId'), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) })
    switch (outcome.kind) {
      case 'sent':
        if (outcome.replayed === true) c.header('Idempotent-Replayed', 'true')
        return c.json(outcome.verification, outcome.created ? 201 : 200)
      case 'invalid_phone_number':
        throw new ApiError('invalid_phone_number', 'The phone number is not valid.')
      case 'country_not_allowed':
        throw new ApiError('country_not_allowed', 'Codes cannot be sent to this country.', { country: outcome.country })
      case 'number_type_not_allowed':
        throw new ApiError('number_type_not_allowed', 'Codes cannot be sent to this kind of number.', { type: outcome.type })
      case 'limited':
        throw new ApiError('rate_limited', LIMIT_MESSAGES[outcome.reason], { reason: outcome.reason }, outcome.retryAfterSeconds)
      case 'queue_saturated':
        throw new ApiError('queue_saturated', 'More codes are waiting to be sent than can be delivered before they expire; try again later.', {}, 30)
      case 'idempotency_in_progress':
        throw new ApiError('idempotency_conflict', 'A request with this Idempotency-Key is still being processed.')
      case 'idempotency_mismatch':
        throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was used with a different request.')
    }
  })

  app.post('/verifications/check', async (c) => {
    const body = await parse(c, checkVerificationBody)
    const target = body.id !== undefined ? { id: body.id } : { to: body.to ?? '' }
    const outcome = await verifications.check(target, body.code)
    return answerCheck(c, outcome)
  })

  app.get('/verifications/:id', async (c) => {
    const verification = await verifications.get(c.req.param('id'))
    if (verification === undefined) throw notFound()
    return c.json(verification, 200)
  })

  app.post('/verifications/:id/cancel', async (c) => {
    const outcome = await verifications.cancel(c.req.param('id'))
    switch (outcome.kind) {
      case 'not_found':
        throw notFound()
      case 'not_pending':
        throw notPending(outcome.verification)
      case 'canceled':
        return c.json(outcome.verification, 200)
    }
  })

  return app
}

function answerCheck(c: Context<AppEnv>, outcome: CheckOutcome) {
  switch (outcome.kind) {
    case 'invalid_phone_number':
      throw new ApiError('invalid_phone_number', 'The phone number is not valid.')
    case 'malformed_code':
      throw new ApiError('invalid_request', 'The code is malformed: it must be digits only, of the configured length.')
    case 'not_found':
      throw notFound()
    case 'limited':
      throw new ApiError('rate_limited', LIMIT_MESSAGES[outcome.reason], { reason: outcome.reason }, outcome.retryAfterSeconds)
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
}

async function parse<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  const result = schema.safeParse(await readFields(c))
  if (!result.success) throw new ApiError('invalid_request', describeIssues(result.error))
  return result.data
}

const LIMIT_MESSAGES: Record<LimitReason | SharedLimitReason, string> = {
  number_cooldown: 'A code was just sent to this number; wait before asking for another.',
  number_window: 'Too many codes were sent to this number recently; wait and try again.',
  number_failed_checks: 'Too many wrong codes for this number today; wait and try again.',
  ip_window: 'Too many codes were requested from this address; wait and try again.',
  country_window: 'The hourly limit of codes to this country is reached; try again later.',
  global_window: 'The hourly limit of codes is reached; try again later.',
}

function notFound(): ApiError {
  return new ApiError('not_found', 'No verification was found.')
}

function notPending(v: Verification): ApiError {
  return new ApiError('not_pending', `The verification is ${v.status.replace(/_/g, ' ')}.`, { status: v.status })
}
