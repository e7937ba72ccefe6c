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
 * @example app.use(securityHeaders({ hsts: config.runtime.production }))
 */
export function securityHeaders(options: { hsts?: boolean } = {}): MiddlewareHandler {
  // In production the service is behind TLS (README "Before going public"): browsers that reached it over HTTPS
  // keep to HTTPS for a year. Browsers ignore the header on plain HTTP, so a development setup is not locked out.
  const headers = options.hsts === true ? [...HEADERS, ['Strict-Transport-Security', 'max-age=31536000'] as const] : HEADERS
  return async function securityHeadersMiddleware(c, next) {
    for (const [name, value] of headers) c.header(name, value)
    await next()
  }
}
