import type { MiddlewareHandler } from 'hono'
import { timingSafeEqual } from 'node:crypto'
import type { Config } from './config/index.js'
import { comparable } from './secrets.js'

/** A user and its secret accepted by HTTP Basic auth. */
export interface BasicCredential {
  readonly user: string
  readonly secret: string
}

/**
 * The one HTTP Basic check of the service (admin listeners, /v2's account SIDs, the MFA API's projects): which of
 * `accepted` an `Authorization` header names, or undefined. Every pair is compared, each in constant time, so
 * neither which one matched nor how many there are shows in the timing. Build it once per listener: the stand-ins
 * of the accepted secrets are computed here, not per request.
 *
 * @example const who = basicCredentials(config.compat.twilioCredentials); who(c.req.header('authorization'))
 */
export function basicCredentials(accepted: readonly BasicCredential[]): (header: string | undefined) => string | undefined {
  const known = accepted.map((a) => ({ user: comparable(a.user), secret: comparable(a.secret), name: a.user }))
  return (header) => {
    const match = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header ?? '')
    const decoded = match?.[1] === undefined ? '' : Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const user = comparable(colon === -1 ? '' : decoded.slice(0, colon))
    const secret = comparable(colon === -1 ? '' : decoded.slice(colon + 1))
    let found: string | undefined
    for (const k of known) if (timingSafeEqual(user, k.user) && timingSafeEqual(secret, k.secret)) found = k.name
    return found
  }
}

/**
 * Basic auth for the admin listeners (the API's dashboard and metrics, the worker's metrics): ADMIN_USER and
 * ADMIN_PASSWORD.
 *
 * @example app.use(adminAuth(config.admin, password, 'sms-two-factor-auth admin'))
 */
export function adminAuth(admin: Pick<Config['admin'], 'user'>, password: string, realm: string): MiddlewareHandler {
  const who = basicCredentials([{ user: admin.user, secret: password }])
  return async function adminAuthMiddleware(c, next) {
    if (who(c.req.header('authorization')) === undefined) {
      return c.text('Unauthorized', 401, { 'WWW-Authenticate': `Basic realm="${realm}"` })
    }
    await next()
  }
}
