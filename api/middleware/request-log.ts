import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import type { Logger } from '../../shared/logger.js'
import type { ApiMetrics } from '../../shared/metrics.js'

/**
 * One log line and one metric sample per request: method, route pattern (never the raw path, which can hold ids),
 * status, duration and request id.
 *
 * @example app.use(requestLog({ logger, metrics }))
 */
export function requestLog(options: { logger: Logger; metrics: ApiMetrics }): MiddlewareHandler {
  const { logger, metrics } = options
  return async function requestLogMiddleware(c, next) {
    const started = performance.now()
    await next()
    const status = c.res.status
    const seconds = (performance.now() - started) / 1000
    const route = routePath(c, -1)
    const method = c.req.method
    metrics.httpRequests.inc({ route, method, status })
    metrics.httpDuration.observe({ route, method }, seconds)
    const line = {
      requestId: c.get('requestId') as string | undefined,
      method,
      route,
      status,
      durationMs: Math.round(seconds * 100_000) / 100,
    }
    // 503 means a dependency is down (already logged once, at warn, where it was seen): not a bug of ours.
    if (status >= 500 && status !== 503) logger.error(line, 'request')
    else if (status === 503) logger.warn(line, 'request')
    else logger.info(line, 'request')
  }
}
