import type { MiddlewareHandler } from 'hono'
import { timingSafeEqual } from 'node:crypto'
import { comparable } from '../../shared/secrets.js'
import { ApiError } from '../errors.js'

/**
 * Bearer API keys for /v1. Several keys may be valid at once so they can be rotated; each comparison takes the
 * same time whatever the key, and every key is compared so the count of keys cannot be timed either.
 * No keys configured means no caller is let in.
 *
 * @example app.use('/v1/*', apiKeyAuth({ keys: config.apiKeys }))
 */
export function apiKeyAuth(options: { keys: readonly string[] }): MiddlewareHandler {
  // Each key's stand-in is computed once, so a request costs one hash whatever the number of keys.
  const keys = options.keys.map(comparable)
  return async function apiKeyAuthMiddleware(c, next) {
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header)
    let ok = false
    if (match?.[1] !== undefined) {
      const candidate = comparable(match[1])
      for (const key of keys) ok = timingSafeEqual(candidate, key) || ok
    }
    if (!ok) {
      c.header('WWW-Authenticate', 'Bearer realm="sms-two-factor-auth"')
      throw new ApiError('unauthorized', 'A valid API key is required: Authorization: Bearer <key>.')
    }
    await next()
  }
}
