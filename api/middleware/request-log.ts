import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Logger } from '../../shared/logger.js'

/**
 * One log line per request: method, route pattern (never the raw path, which can hold ids), status, duration
 * and request id.
 *
 * @example app.use(requestLog({ logger }))
 */
export function requestLog(options: { logger: Logger }): MiddlewareHandler {
  const { logger } = options
  return async function requestLogMiddleware(c, next) {
    const started = performance.now()
    await next()
    const status = c.res.status
    const line = {
      requestId: c.get('requestId') as string | undefined,
      method: c.req.method,
      route: routePath(c, -1),
      status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    }
    if (status >= 500) logger.error(line, 'request')
    else logger.info(line, 'request')
  }
}
