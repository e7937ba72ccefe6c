import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Every error code the API answers with, and its HTTP status: one table, one envelope. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_phone_number: 400,
  unauthorized: 401,
  forbidden: 403,
  country_not_allowed: 403,
  number_type_not_allowed: 403,
  fraud_suspected: 403,
  not_found: 404,
  not_pending: 409,
  idempotency_conflict: 409,
  idempotency_key_reused: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
  queue_saturated: 503,
} as const satisfies Record<string, ContentfulStatusCode>

export type ErrorCode = keyof typeof ERROR_STATUS

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string } & Record<string, unknown>
}

/**
 * An expected failure with a stable code. `details` are merged into the envelope (e.g. `reason`, `status`).
 * It is built without a stack trace: it is an answer, not a bug, and capturing the trace is most of what a refusal
 * costs (the bench rows "wrong API key (401)" and "invalid numbers (400)").
 */
export class ApiError extends Error {
  override name = 'ApiError'

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
    readonly retryAfterSeconds?: number,
  ) {
    const traceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = traceLimit
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code]
  }
}

/** Redis or the queue could not be reached: the caller should retry later. */
export class UnavailableError extends Error {
  override name = 'UnavailableError'
}

export function errorBody(code: ErrorCode, message: string, requestId: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...details, code, message, requestId } }
}
