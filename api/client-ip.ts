import type { Context } from 'hono'
import { getConnInfo } from '@hono/node-server/conninfo'

/**
 * The client's IP for the per-IP limit. From the socket, unless TRUST_PROXY is on: then from the last
 * `X-Forwarded-For` entry, the one our own proxy wrote (earlier entries are whatever the client claimed).
 * `undefined` when there is no socket (requests made in-process, as in tests).
 */
export function clientIp(c: Context, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')
    const last = forwarded?.split(',').at(-1)?.trim()
    if (last !== undefined && last.length > 0 && last.length <= 64) return last
  }
  try {
    return getConnInfo(c).remote.address
  } catch {
    return undefined
  }
}
