import { Hono, type Context } from 'hono'
import { cors } from 'hono/cors'
import { randomBytesPooled } from '../shared/random.js'
import { base32 } from '../shared/secrets.js'
import type { AppDeps, AppEnv } from './env.js'
import { ApiError, ERROR_STATUS, errorBody, UnavailableError, type ErrorCode } from './errors.js'
import { wantsJson } from './input.js'
import { apiKeyAuth } from './middleware/api-key.js'
import { bodySizeLimit } from './middleware/body-size.js'
import { requestIdentity } from './middleware/request-id.js'
import { requestLog } from './middleware/request-log.js'
import { securityHeaders } from './middleware/security-headers.js'
import { DEMO_SCRIPT, DEMO_STYLES, renderDemoPage } from './pages/demo-page.js'
import { docsRoutes } from './routes/docs.js'
import { formRoutes } from './routes/form.js'
import { healthRoutes } from './routes/health.js'
import { v1Verifications } from './routes/v1-verifications.js'

/** Request bodies larger than this are refused with 413 before they are read. */
export const MAX_BODY_BYTES = 16 * 1024

const FORM_TEXT: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'Bad Request',
  unsupported_media_type: 'Unsupported Media Type',
  payload_too_large: 'Payload Too Large',
  unavailable: 'Service Unavailable',
  queue_saturated: 'Service Unavailable',
  internal_error: 'Internal Server Error',
  not_found: 'Not Found',
}

/**
 * Request ids: a random prefix per process and a counter. Unique across processes and restarts (80 random bits),
 * and no random draw per request. They are correlation ids, not secrets.
 */
const REQUEST_ID_PREFIX = `req_${base32(randomBytesPooled(10))}`
let requestCounter = 0
function nextRequestId(): string {
  requestCounter += 1
  return `${REQUEST_ID_PREFIX}${requestCounter.toString(36)}`
}

/** Builds the public HTTP app from its dependencies. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { config, logger } = deps
  const app = new Hono<AppEnv>()

  app.use(requestIdentity(nextRequestId))
  app.use(securityHeaders())
  app.use(requestLog({ logger, metrics: deps.metrics }))
  app.use(async function defaultSurface(c, next) {
    c.set('surface', 'api')
    await next()
  })
  app.use(bodySizeLimit(MAX_BODY_BYTES))

  app.route('/', healthRoutes(deps))
  app.route('/', docsRoutes({ publicRoutes: config.http.publicRoutes }))

  if (config.http.publicRoutes) {
    const outbox = deps.outbox
    if (outbox === undefined) {
      app.get('/', (c) => c.html(renderDemoPage()))
    } else {
      app.get('/', async (c) => c.html(renderDemoPage({ outbox: await outbox.list().catch(() => []) })))
      app.get('/dev/outbox', async (c) => c.json(await outbox.list()))
    }
    app.get('/assets/demo.js', (c) => c.body(DEMO_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
    app.get('/assets/demo.css', (c) => c.body(DEMO_STYLES, 200, { 'Content-Type': 'text/css; charset=utf-8' }))
    app.route('/', formRoutes(deps))
  }

  if (config.corsOrigins.length > 0) {
    // Before the key check, so a browser's preflight (which carries no key) is answered.
    app.use(
      '/v1/*',
      cors({
        origin: config.corsOrigins.includes('*') ? '*' : [...config.corsOrigins],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id', 'Retry-After', 'Idempotent-Replayed'],
        maxAge: 600,
      }),
    )
  }
  app.use('/v1/*', apiKeyAuth({ keys: config.apiKeys }))
  app.route('/v1', v1Verifications(deps))

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

function respondError(c: Context<AppEnv>, error: ApiError): Response {
  const status = ERROR_STATUS[error.code]
  if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds))
  const requestIdValue = c.get('requestId') ?? ''
  if (c.get('surface') === 'form' && !wantsJson(c)) {
    return c.text(FORM_TEXT[error.code] ?? error.message, status)
  }
  return c.json(errorBody(error.code, error.message, requestIdValue, { ...error.details }), status)
}
