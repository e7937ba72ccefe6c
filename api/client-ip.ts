import { getConnInfo } from '@hono/node-server/conninfo'
import type { Context } from 'hono'
import { BlockList, isIP } from 'node:net'
import type { TrustProxy } from '../shared/config/settings.js'

/**
 * The client's address, for the per-IP limit. From the socket, unless TRUST_PROXY says which proxies to believe:
 * then the addresses in `X-Forwarded-For` and the socket's are read from the nearest hop outwards, and the client is
 * the first one that is not a trusted proxy (a hop count trusts that many hops, whatever they are; CIDRs trust
 * only proxies in those ranges, so a client that connects directly cannot claim another address). Entries to the
 * left of the client are whatever the client wrote, and never read. `undefined` when there is no socket (requests
 * made in-process, as in tests).
 *
 * @example const ip = clientIp(config.http.trustProxy); ip(c)
 */
export function clientIp(trust: TrustProxy): (c: Context) => string | undefined {
  const trusted = trust.kind === 'cidrs' ? blockListOf(trust.cidrs) : undefined
  return function clientIpOf(c) {
    const peer = socketAddress(c)
    if (peer === undefined || trust.kind === 'none') return peer
    const chain = [...forwardedFor(c.req.header('x-forwarded-for')), peer]
    if (trust.kind === 'hops') return chain[Math.max(0, chain.length - 1 - trust.hops)]
    let i = chain.length - 1
    while (i > 0 && trusted !== undefined && isTrusted(trusted, chain[i] ?? '')) i--
    return chain[i]
  }
}

/**
 * What the per-IP limit counts by: an IPv4 address, or an IPv6 client's /64 (one subscriber's network, which hands
 * out as many addresses as it likes).
 */
export function limitIdentity(ip: string): string {
  if (isIP(ip) !== 6) return ip
  return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`
}

function socketAddress(c: Context): string | undefined {
  try {
    const address = getConnInfo(c).remote.address
    return address === undefined ? undefined : normalize(address)
  } catch {
    return undefined
  }
}

/** The valid addresses of an X-Forwarded-For header, left to right; an unreadable entry ends the list there. */
function forwardedFor(header: string | undefined): string[] {
  if (header === undefined || header.length > 2_048) return []
  const out: string[] = []
  for (const raw of header.split(',')) {
    const entry = raw.trim().replace(/^\[([^\]]+)\](:\d+)?$/, '$1').replace(/^(\d+\.\d+\.\d+\.\d+):\d+$/, '$1')
    if (isIP(entry) === 0) {
      out.length = 0 // what lies left of garbage cannot be trusted to be in order
      continue
    }
    out.push(normalize(entry))
  }
  return out
}

/** IPv4-mapped IPv6 (`::ffff:203.0.113.7`) is the IPv4 address; IPv6 in lower case. */
function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address.toLowerCase()
}

function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList()
  for (const cidr of cidrs) {
    const [address = '', bits = '0'] = cidr.split('/')
    list.addSubnet(address, Number(bits), isIP(address) === 6 ? 'ipv6' : 'ipv4')
  }
  return list
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address)
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4')
}

/** The eight hextets of an IPv6 address (`2001:db8::1` → 2001, db8, 0, 0, 0, 0, 0, 1). */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  // An embedded IPv4 tail (::ffff:1.2.3.4 or 64:ff9b::1.2.3.4) counts as two hextets.
  const last = right.at(-1) ?? left.at(-1) ?? ''
  const v4 = isIP(last) === 4 ? 1 : 0
  const missing = tail === undefined ? 0 : 8 - left.length - right.length - v4
  return [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right].map((h) => (isIP(h) === 4 ? h : (h.replace(/^0+(?=.)/, '') || '0')))
}
