import type { MiddlewareHandler } from 'hono'
import { basicAuth } from 'hono/basic-auth'
import type { Config } from './config/index.js'
import { safeEqual } from './secrets.js'

/**
 * Basic auth for the admin listeners (the API's dashboard and metrics, the worker's metrics): ADMIN_USER and
 * ADMIN_PASSWORD, each compared in constant time.
 *
 * @example app.use(adminAuth(config.admin, password, 'sms-two-factor-auth admin'))
 */
export function adminAuth(admin: Pick<Config['admin'], 'user'>, password: string, realm: string): MiddlewareHandler {
  return basicAuth({
    verifyUser: (user, pass) => safeEqual(user, admin.user) && safeEqual(pass, password),
    realm,
  })
}
