import type { MiddlewareHandler } from 'hono'
import { basicCredentials, type BasicCredential } from '../../shared/basic-auth.js'
import type { AppEnv } from '../deps.js'

/*
 * SignalWire's MFA API on the wire (../shared/COMPAT.md): JSON bodies, HTTP Basic `project:token`, `401
 * {"error":"Unauthorized"}`, and `422 {"errors":[…]}` for anything invalid, every value of an error a string.
 */

/** An answer of the MFA API that is not a success: its status and its SignalWire-shaped body. */
export class MfaError extends Error {
  override name = 'MfaError'

  constructor(
    readonly status: 401 | 404 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    const traceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(detail)
    Error.stackTraceLimit = traceLimit
  }

  body(): Record<string, unknown> {
    if (this.status === 401) return { error: 'Unauthorized' }
    const title = { 404: 'Not Found', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Invalid Attribute', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' }[this.status]
    return { errors: [{ detail: this.detail, status: String(this.status), title, code: String(this.status) }] }
  }
}

export const invalidAttribute = (detail: string): MfaError => new MfaError(422, detail)

/**
 * HTTP Basic `project:token` from SIGNALWIRE_MFA_CREDENTIALS; sets `account` to the project. None configured: every
 * call is 401.
 *
 * @example app.use('/api/relay/rest/mfa/*', mfaAuth(config.compat.mfaCredentials))
 */
export function mfaAuth(credentials: readonly BasicCredential[]): MiddlewareHandler<AppEnv> {
  const who = basicCredentials(credentials)
  return async function mfaAuthMiddleware(c, next) {
    const project = who(c.req.header('authorization'))
    if (project === undefined) {
      c.header('WWW-Authenticate', 'Basic realm="SignalWire"')
      throw new MfaError(401, 'Unauthorized')
    }
    c.set('account', project)
    await next()
  }
}
