import type { MiddlewareHandler } from 'hono'

const SANE_ID = /^[\w\-=]{1,128}$/

/**
 * `X-Request-Id`: a sane incoming one (word characters, `-`, `=`, at most 128) is kept, anything else replaced by
 * `generate()`; set as the `requestId` variable and echoed on the response, errors included.
 *
 * @example app.use(requestIdentity(nextRequestId))
 */
export function requestIdentity(generate: () => string): MiddlewareHandler {
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header('x-request-id')
    const id = incoming !== undefined && SANE_ID.test(incoming) ? incoming : generate()
    c.set('requestId', id)
    c.header('X-Request-Id', id)
    await next()
  }
}
