import type { ErrorCode } from './errors.js'

/*
 * The form routes' plain-text answers, in one place: the original guide's wording for what the routes themselves
 * decide, HTTP reason phrases for the rest. With `Accept: application/json` the same text is the `message`.
 */

export const FORM_SENT = 'Your code was sent'
export const FORM_APPROVED = 'Success!'

/** One text per error code: a Record, so a new code cannot be added without its form answer. */
export const FORM_ERROR_TEXT: Record<ErrorCode, string> = {
  invalid_request: 'Bad Request',
  invalid_phone_number: 'Invalid Phone Number',
  unauthorized: 'Unauthorized',
  forbidden: 'Forbidden',
  country_not_allowed: 'Forbidden',
  number_type_not_allowed: 'Forbidden',
  fraud_suspected: 'Forbidden',
  not_found: 'Not Found',
  not_pending: 'Forbidden',
  idempotency_conflict: 'Conflict',
  idempotency_key_reused: 'Unprocessable Entity',
  payload_too_large: 'Payload Too Large',
  unsupported_media_type: 'Unsupported Media Type',
  rate_limited: 'Too Many Requests',
  internal_error: 'Internal Server Error',
  unavailable: 'Service Unavailable',
  queue_saturated: 'Service Unavailable',
}

/**
 * Codes the form routes answer with on their own (not thrown by the machinery around them): their JSON `message`
 * is the plain text too. Thrown errors keep their longer message in JSON.
 */
export const FORM_OWN_ANSWERS: ReadonlySet<ErrorCode> = new Set([
  'invalid_phone_number',
  'forbidden',
  'country_not_allowed',
  'number_type_not_allowed',
  'fraud_suspected',
  'rate_limited',
  'queue_saturated',
])
