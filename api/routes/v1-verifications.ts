import { Hono, type Context } from 'hono'
import type { z } from '@hono/zod-openapi'
import type { CheckOutcome } from '../services/verifications.js'
import type { Verification } from '../../shared/verification.js'
import type { AppDeps, AppEnv } from '../env.js'
import { ApiError } from '../errors.js'
import { readFields } from '../input.js'
import { checkVerificationBody, createVerificationBody, describeIssues } from '../schemas.js'

/** The JSON API for applications: create, check, get, cancel. Mounted at /v1 behind API keys. */
export function v1Verifications(deps: AppDeps): Hono<AppEnv> {
  const { verifications } = deps
  const app = new Hono<AppEnv>()

  app.post('/verifications', async (c) => {
    const body = await parse(c, createVerificationBody)
    const outcome = await verifications.start(body.to, { requestId: c.get('requestId') })
    switch (outcome.kind) {
      case 'sent':
        return c.json(outcome.verification, outcome.created ? 201 : 200)
      case 'invalid_phone_number':
        throw new ApiError('invalid_phone_number', 'The phone number is not valid.')
      case 'country_not_allowed':
        throw new ApiError('country_not_allowed', 'Codes cannot be sent to this country.', { country: outcome.country })
      case 'limited':
        throw new ApiError('rate_limited', 'Too many codes were requested for this number; wait and try again.', { reason: outcome.reason }, outcome.retryAfterSeconds)
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
      throw new ApiError('rate_limited', 'Too many wrong codes for this number; wait and try again.', { reason: outcome.reason }, outcome.retryAfterSeconds)
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

function notFound(): ApiError {
  return new ApiError('not_found', 'No verification was found.')
}

function notPending(v: Verification): ApiError {
  return new ApiError('not_pending', `The verification is ${v.status.replace(/_/g, ' ')}.`, { status: v.status })
}
