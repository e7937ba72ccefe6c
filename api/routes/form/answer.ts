import { createRoute, type RouteConfig } from '@hono/zod-openapi'
import type { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppDeps, AppEnv } from '../../deps.js'
import { errorBody, type ErrorCode } from '../../errors.js'
import { FORM_ERROR_TEXT } from '../../form-text.js'
import { wantsHtml, wantsJson } from '../../input.js'
import { BODY_ERRORS, COMMON, errorResponses, jsonOrForm, plainText, REQUEST_ID } from '../../openapi/responses.js'
import { formMessage } from '../../schemas.js'
import { renderDemoPage } from '../../pages/demo-page.js'

/**
 * What a form route answers: plain text as the guide's routes did; JSON with `Accept: application/json`; and for
 * a browser's plain form post (JavaScript off) the demo page again, with the answer on it.
 */
export interface FormAnswer {
  readonly status: 200 | 400 | 403 | 429 | 503
  readonly text: string
  /** the error envelope's code (JSON answers); none for a success */
  readonly code?: ErrorCode
  readonly retryAfterSeconds?: number
}

export function formError(code: ErrorCode & ('invalid_request' | 'invalid_phone_number' | 'forbidden' | 'country_not_allowed' | 'number_type_not_allowed' | 'fraud_suspected' | 'rate_limited' | 'queue_saturated'), extra: Partial<FormAnswer> = {}): FormAnswer {
  const status = ({ invalid_request: 400, invalid_phone_number: 400, forbidden: 403, country_not_allowed: 403, number_type_not_allowed: 403, fraud_suspected: 403, rate_limited: 429, queue_saturated: 503 } as const)[code]
  return { status, text: FORM_ERROR_TEXT[code], code, ...extra }
}

export async function respond(c: Context<AppEnv>, deps: AppDeps, form: 'request' | 'validate', number: string, a: FormAnswer): Promise<Response> {
  if (a.retryAfterSeconds !== undefined) c.header('Retry-After', String(a.retryAfterSeconds))
  if (wantsJson(c)) {
    if (a.code === undefined) return c.json({ message: a.text }, a.status)
    return c.json(errorBody(a.code, a.text, c.get('requestId')), a.status)
  }
  if (wantsHtml(c)) {
    const outbox = deps.outbox === undefined ? undefined : await deps.outbox.list().catch(() => [])
    return c.html(renderDemoPage({ number, result: { form, ok: a.status === 200, message: a.text }, ...(outbox === undefined ? {} : { outbox }) }), a.status)
  }
  return c.text(a.text, a.status)
}

const FORM_NOTE =
  'The answer is plain text; with `Accept: application/json` it is `{ "message" }` or the error envelope; a browser form post (`Accept: text/html`) gets the demo page back with the answer on it.'

/** The GET and POST operations of one form route: the same fields from the query string, or from a body too. */
export function formRoutes(form: {
  readonly path: string
  readonly name: string
  readonly summary: string
  readonly description: string
  readonly fields: z.ZodObject
  readonly success: string
  readonly errors: readonly ErrorCode[]
}): [RouteConfig, RouteConfig] {
  const base = { ...COMMON, tags: ['Form routes'], path: form.path, summary: form.summary, description: `${form.description} ${FORM_NOTE}` }
  const errors: ErrorCode[] = [...form.errors, 'internal_error']
  const success = {
    description: form.success,
    headers: REQUEST_ID,
    content: { 'text/plain': { schema: plainText, example: form.success }, 'application/json': { schema: formMessage, example: { message: form.success } } },
  }
  return [
    createRoute({
      ...base,
      method: 'get',
      operationId: `${form.name}Get`,
      request: { query: form.fields },
      responses: { 200: success, ...errorResponses(errors, 'form') },
    }),
    createRoute({
      ...base,
      method: 'post',
      operationId: `${form.name}Post`,
      description: `${base.description} Fields may also come from the query string; the body wins.`,
      request: { body: jsonOrForm(form.fields) },
      responses: { 200: success, ...errorResponses([...errors, ...BODY_ERRORS], 'form') },
    }),
  ]
}
