import { Hono, type Context } from 'hono'
import { clientIp } from '../client-ip.js'
import type { DevOutbox } from '../../shared/dev-outbox.js'
import type { AppDeps, AppEnv } from '../env.js'
import { errorBody, type ErrorCode } from '../errors.js'
import { readFields, wantsHtml, wantsJson } from '../input.js'
import { renderDemoPage } from '../pages/demo-page.js'
import type { CheckOutcome, StartOutcome } from '../services/verifications.js'

/**
 * The original guide's interface: `/request-auth` and `/validate-auth`, GET or POST, fields from the query, a form
 * or JSON. Answers are plain text as the guide's were; JSON with `Accept: application/json`; and for a browser's
 * plain form post (JavaScript off) the demo page again, with the answer on it.
 */
export function formRoutes(deps: AppDeps): Hono<AppEnv> {
  const { verifications } = deps
  const app = new Hono<AppEnv>()

  // Scoped to the two paths: a bare use() here would apply to every route once mounted at '/'.
  app.use('/request-auth', markFormSurface)
  app.use('/validate-auth', markFormSurface)

  app.on(['GET', 'POST'], '/request-auth', async (c) => {
    const fields = await readFields(c)
    const number = fields.number ?? ''
    const ip = clientIp(c, deps.config.abuse.trustProxy) ?? 'unknown'
    const outcome = await verifications.start(number, { requestId: c.get('requestId'), ip })
    return answer(c, 'request', number, requestAnswer(outcome), deps.outbox)
  })

  app.on(['GET', 'POST'], '/validate-auth', async (c) => {
    const fields = await readFields(c)
    const number = fields.number ?? ''
    const outcome = await verifications.check({ to: number }, fields.auth_code ?? '')
    return answer(c, 'validate', number, validateAnswer(outcome), deps.outbox)
  })

  return app
}

async function markFormSurface(c: Context<AppEnv>, next: () => Promise<void>): Promise<void> {
  c.set('surface', 'form')
  await next()
}

interface FormAnswer {
  readonly status: 200 | 400 | 403 | 429 | 503
  readonly text: string
  readonly code?: ErrorCode
  readonly details?: Record<string, string>
  readonly retryAfterSeconds?: number
}

const INVALID_NUMBER: FormAnswer = { status: 400, text: 'Invalid Phone Number', code: 'invalid_phone_number' }
const FORBIDDEN: FormAnswer = { status: 403, text: 'Forbidden', code: 'forbidden' }

function requestAnswer(outcome: StartOutcome): FormAnswer {
  switch (outcome.kind) {
    case 'sent':
      return { status: 200, text: 'Your code was sent' }
    case 'invalid_phone_number':
      return INVALID_NUMBER
    case 'country_not_allowed':
      return { status: 403, text: 'Forbidden', code: 'country_not_allowed' }
    case 'number_type_not_allowed':
      return { status: 403, text: 'Forbidden', code: 'number_type_not_allowed' }
    case 'limited':
      return { status: 429, text: 'Too Many Requests', code: 'rate_limited', details: { reason: outcome.reason }, retryAfterSeconds: outcome.retryAfterSeconds }
    case 'queue_saturated':
      return { status: 503, text: 'Service Unavailable', code: 'queue_saturated', retryAfterSeconds: 30 }
    case 'idempotency_in_progress':
    case 'idempotency_mismatch':
      // The form routes take no Idempotency-Key.
      throw new Error(`unexpected outcome ${outcome.kind}`)
  }
}

function validateAnswer(outcome: CheckOutcome): FormAnswer {
  switch (outcome.kind) {
    case 'approved':
      return { status: 200, text: 'Success!' }
    case 'invalid_phone_number':
      return INVALID_NUMBER
    case 'malformed_code':
    case 'not_found':
    case 'wrong':
      return FORBIDDEN
    case 'limited':
      return { status: 429, text: 'Too Many Requests', code: 'rate_limited', details: { reason: outcome.reason }, retryAfterSeconds: outcome.retryAfterSeconds }
    case 'not_pending':
      // Once the attempts are used up every try is 429, the right code included; other ended states are 403.
      return outcome.verification.status === 'max_attempts_reached'
        ? { status: 429, text: 'Too Many Requests', code: 'rate_limited', details: { reason: 'max_attempts_reached' } }
        : { ...FORBIDDEN, details: { status: outcome.verification.status } }
  }
}

async function answer(c: Context<AppEnv>, form: 'request' | 'validate', number: string, a: FormAnswer, outboxOf: DevOutbox | undefined): Promise<Response> {
  if (a.retryAfterSeconds !== undefined) c.header('Retry-After', String(a.retryAfterSeconds))
  if (wantsJson(c)) {
    if (a.code === undefined) return c.json({ message: a.text }, a.status)
    return c.json(errorBody(a.code, a.text, c.get('requestId'), a.details), a.status)
  }
  if (wantsHtml(c)) {
    const outbox = outboxOf === undefined ? undefined : await outboxOf.list().catch(() => [])
    return c.html(renderDemoPage({ number, result: { form, ok: a.status === 200, message: a.text }, ...(outbox === undefined ? {} : { outbox }) }), a.status)
  }
  return c.text(a.text, a.status)
}
