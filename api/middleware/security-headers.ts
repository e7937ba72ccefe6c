import type { MiddlewareHandler } from 'hono'

const HEADERS: ReadonlyArray<readonly [string, string]> = [
  [
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  ],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()'],
  ['Cache-Control', 'no-store'],
]

/**
 * Security headers on every response, errors included. Set on the context before the handler runs, so they go
 * out with whatever response it builds (error responses included) and a route may still override one. Setting
 * them on the finished response instead would force the Node adapter off its fast path.
 *
 * @example app.use(securityHeaders())
 */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    for (const [name, value] of HEADERS) c.header(name, value)
    await next()
  }
}
