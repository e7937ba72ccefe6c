import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'

/**
 * One request header by its lower-case name.
 *
 * On @hono/node-server it is read from Node's own parsed headers (`c.env.incoming`): `c.req.header()` builds a
 * fetch `Headers` object from the raw headers on first use, about 5 % of a request's CPU on this API. Node keeps
 * the first of repeated single-value headers (Authorization, Content-Type, Content-Length) and joins the others
 * with ", ". Elsewhere (`app.request()` in tests, other runtimes) this is `c.req.header()`.
 *
 * @example header(c, 'content-type')
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (incoming?.headers === undefined) return c.req.header(name)
  const value = incoming.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}
