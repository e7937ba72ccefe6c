import type { MiddlewareHandler } from 'hono'
import { ApiError } from '../errors.js'

/**
 * Refuses browsers' cross-site requests: `Sec-Fetch-Site: cross-site` or `same-site`, or an `Origin` that is neither
 * the service's own (the request's host) nor in `allowedOrigins` (CORS_ORIGINS; `*` allows every origin). An origin
 * listed there is allowed whatever Sec-Fetch-Site says. Clients that send neither header (curl, server-side code,
 * the original guide's Python demo) are not affected.
 *
 * Without it any web page could make the service text codes, from an `<img>` or a form, through its visitors'
 * addresses and past the per-IP limit: SMS pumping on the operator's bill.
 *
 * @example app.use('/request-auth', refuseCrossSite({ allowedOrigins: config.http.corsOrigins }))
 */
export function refuseCrossSite(options: { allowedOrigins: readonly string[] }): MiddlewareHandler {
  const anyOrigin = options.allowedOrigins.includes('*')
  const allowed = new Set(options.allowedOrigins.map((o) => o.toLowerCase()))
  return async function refuseCrossSiteMiddleware(c, next) {
    const origin = c.req.header('origin')?.toLowerCase()
    if (origin !== undefined && (anyOrigin || allowed.has(origin))) return next()
    // A browser says where a request comes from, and no page can forge it: it settles the question when present.
    // (With a no-referrer policy a same-origin form post carries `Origin: null`.)
    const site = c.req.header('sec-fetch-site')?.toLowerCase()
    const browserSaysOwn = site === 'same-origin' || site === 'none'
    if (site === 'cross-site' || site === 'same-site' || (!browserSaysOwn && origin !== undefined && !isOwnOrigin(origin, c.req.url))) {
      throw new ApiError('forbidden', 'Cross-site requests are not accepted here.')
    }
    await next()
  }
}

/**
 * Whether `origin` names this service: the same host and port as the request's URL, which the Node adapter builds
 * from the Host header (the scheme may differ behind a proxy that ends TLS).
 */
function isOwnOrigin(origin: string, url: string): boolean {
  if (origin === 'null') return false
  try {
    return new URL(origin).host === new URL(url).host
  } catch {
    return false
  }
}
