import { Hono, type Context } from 'hono'
import { cors } from 'hono/cors'
import { randomBytes } from 'node:crypto'
import { base32 } from '../shared/secrets.js'
import type { AppDeps, AppEnv } from './deps.js'
import { ApiError, ERROR_STATUS, errorBody, UnavailableError, type ErrorCode } from './errors.js'
import { MfaError, mfaAuth } from './mfa/wire.js'
import { TwilioError, twilioAuth, twilioErrorBody, type TwilioCode } from './v2/wire.js'
import { FORM_ERROR_TEXT } from './form-text.js'
import { wantsJson } from './input.js'
import { apiKeyAuth } from './middleware/api-key.js'
import { bodySizeLimit } from './middleware/body-size.js'
import { refuseCrossSite } from './middleware/cross-site.js'
import { requestIdentity } from './middleware/request-id.js'
import { requestLog } from './middleware/request-log.js'
import { securityHeaders } from './middleware/security-headers.js'
import { docsRoutes } from './routes/docs.js'
import { endpointsFor } from './routes/index.js'

/** Request bodies larger than this are refused with 413 before they are read. */
export const MAX_BODY_BYTES = 16 * 1024

/**
 * How each part of the API writes its errors: the form routes as plain text (the guide's interface), /v2 as
 * Twilio's body, the MFA API as SignalWire's, everything else as the JSON envelope.
 */
const FORM_PATHS = new Set(['/request-auth', '/validate-auth'])
const TWILIO_PREFIX = '/v2/'
const MFA_PREFIX = '/api/relay/rest/mfa/'

function surfaceOf(path: string): AppEnv['Variables']['surface'] {
  if (FORM_PATHS.has(path)) return 'form'
  if (path.startsWith(TWILIO_PREFIX) || path === '/v2') return 'twilio'
  if (path.startsWith(MFA_PREFIX)) return 'mfa'
  return 'api'
}

/** An error of this service as Twilio would word it (/v2). */
const TWILIO_CODE_OF: Partial<Record<ErrorCode, TwilioCode>> = {
  invalid_request: 60200,
  unauthorized: 20003,
  not_found: 20404,
  payload_too_large: 20413,
  unsupported_media_type: 20415,
  rate_limited: 20429,
  unavailable: 20503,
  queue_saturated: 20503,
  fraud_suspected: 60410,
}

/** Builds the public HTTP app from its dependencies. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, logger } = deps
  const app = new Hono<AppEnv>()

  app.use(requestIdentity(requestIds()))
  app.use(securityHeaders({ hsts: config.runtime.production }))
  app.use(requestLog({ logger, metrics: deps.metrics }))
  app.use(async function markSurface(c, next) {
    c.set('surface', surfaceOf(c.req.path))
    await next()
  })
  app.use(bodySizeLimit(MAX_BODY_BYTES))
  app.route('/', docsRoutes({ publicRoutes: config.http.publicRoutes }))
  if (config.http.publicRoutes) {
    const sameSiteOnly = refuseCrossSite({ allowedOrigins: config.http.corsOrigins })
    for (const path of FORM_PATHS) app.use(path, sameSiteOnly)
  }

  if (config.http.corsOrigins.length > 0) {
    // Before the key check, so a browser's preflight (which carries no key) is answered.
    app.use(
      '/v1/*',
      cors({
        origin: config.http.corsOrigins.includes('*') ? '*' : [...config.http.corsOrigins],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
        maxAge: 600,
      }),
    )
  }
  app.use('/v1/*', apiKeyAuth({ keys: config.auth.apiKeys }))
  app.use('/v2/*', twilioAuth(config.compat.twilioCredentials))
  app.use(`${MFA_PREFIX}*`, mfaAuth(config.compat.mfaCredentials))
  for (const endpoint of endpointsFor(config.http)) endpoint.mount(app, deps)

  app.notFound((c) => respondError(c, new ApiError('not_found', 'No such route.')))
  app.onError((error, c) => {
    if (error instanceof TwilioError) {
      if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds))
      return c.json(twilioErrorBody(error.code, error.message, error.status), error.status)
    }
    if (error instanceof MfaError) {
      if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds))
      return c.json(error.body(), error.status)
    }
    if (error instanceof ApiError) return respondError(c, error)
    if (error instanceof UnavailableError) {
      logger.warn({ requestId: c.get('requestId'), err: error.cause ?? error }, 'dependency unavailable')
      c.header('Retry-After', '1')
      return respondError(c, new ApiError('unavailable', 'The service is temporarily unavailable; try again shortly.'))
    }
    logger.error({ requestId: c.get('requestId'), err: error }, 'unhandled error')
    return respondError(c, new ApiError('internal_error', 'Something went wrong on our side.'))
  })

  return app
}

/**
 * Request ids: a random prefix per app and a counter. Unique across processes and restarts (80 random bits);
 * they are correlation ids, not secrets.
 */
function requestIds(): () => string {
  const prefix = `req_${base32(randomBytes(10))}`
  let counter = 0
  return () => `${prefix}${(++counter).toString(36)}`
}

function respondError(c: Context<AppEnv>, error: ApiError): Response {
  const status = ERROR_STATUS[error.code]
  if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds))
  const surface = c.get('surface')
  if (surface === 'twilio') {
    const code = TWILIO_CODE_OF[error.code] ?? 20500
    const message = code === 20404 ? `The requested resource ${c.req.path.replace(/^\/v2/, '')} was not found` : error.message
    return c.json(twilioErrorBody(code, message, status), status)
  }
  if (surface === 'mfa') {
    const mfaStatus = status === 400 ? 422 : status === 409 ? 422 : status === 403 ? 422 : status
    return c.json(new MfaError(mfaStatus, error.message).body(), mfaStatus)
  }
  if (surface === 'form' && !wantsJson(c)) return c.text(FORM_ERROR_TEXT[error.code], status)
  return c.json(errorBody(error.code, error.message, c.get('requestId') ?? '', { ...error.details }), status)
}
