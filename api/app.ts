import { Hono, type Context } from 'hono'
import { cors } from 'hono/cors'
import { randomBytes } from 'node:crypto'
import { base32 } from '../shared/secrets.js'
import type { AppDeps, AppEnv } from './deps.js'
import { ApiError, ERROR_STATUS, errorBody, UnavailableError } from './errors.js'
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

/** Form routes write their errors as plain text (the guide's interface); everything else as the JSON envelope. */
const FORM_PATHS = new Set(['/request-auth', '/validate-auth'])

/** Builds the public HTTP app from its dependencies. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, logger } = deps
  const app = new Hono<AppEnv>()

  app.use(requestIdentity(requestIds()))
  app.use(securityHeaders({ hsts: config.runtime.production }))
  app.use(requestLog({ logger, metrics: deps.metrics }))
  app.use(async function markSurface(c, next) {
    c.set('surface', FORM_PATHS.has(c.req.path) ? 'form' : 'api')
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
  for (const endpoint of endpointsFor(config.http)) endpoint.mount(app, deps)

  app.notFound((c) => respondError(c, new ApiError('not_found', 'No such route.')))
  app.onError((error, c) => {
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
  if (c.get('surface') === 'form' && !wantsJson(c)) return c.text(FORM_ERROR_TEXT[error.code], status)
  return c.json(errorBody(error.code, error.message, c.get('requestId') ?? '', { ...error.details }), status)
}
