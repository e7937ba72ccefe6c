// HTTP control API (/__relay/*) for processes that cannot import the fake relay module.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isRelayScenario } from './scenarios.js'
import type { FakeRelay } from './server.js'

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/**
 * Query parsing that keeps a literal '+' (URLSearchParams would turn `?to=+1201…` into a space),
 * so both `?to=+12015550400` and `?to=%2B12015550400` work.
 */
function parseQuery(search: string): Map<string, string> {
  const query = new Map<string, string>()
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const rawKey = eq === -1 ? pair : pair.slice(0, eq)
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1)
    try {
      query.set(decodeURIComponent(rawKey), decodeURIComponent(rawValue))
    } catch {
      // Malformed escapes: skip the pair, the route then reports the missing parameter.
    }
  }
  return query
}

export function handleControlRequest(relay: FakeRelay, req: IncomingMessage, res: ServerResponse): void {
  // The request body is never needed; drain it so keep-alive connections stay usable.
  req.resume()
  const rawUrl = req.url ?? '/'
  const queryStart = rawUrl.indexOf('?')
  const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart)
  const query = parseQuery(queryStart === -1 ? '' : rawUrl.slice(queryStart))
  const route = `${req.method ?? 'GET'} ${path}`

  switch (route) {
    case 'GET /__relay/health':
      reply(res, 200, { ok: true })
      return
    case 'GET /__relay/messages':
      reply(res, 200, relay.messages)
      return
    case 'POST /__relay/reset':
      relay.reset()
      reply(res, 200, { ok: true })
      return
    case 'POST /__relay/scenario': {
      const to = query.get('to')
      const scenario = query.get('scenario')
      if (to === undefined || to === '' || !isRelayScenario(scenario)) {
        reply(res, 400, { ok: false, error: 'expected ?to=<E.164 number>&scenario=<RelayScenario>' })
        return
      }
      relay.setScenario(to, scenario)
      reply(res, 200, { ok: true, to, scenario })
      return
    }
    case 'POST /__relay/delay': {
      const rawMs = query.get('ms') ?? ''
      const ms = Number(rawMs)
      if (rawMs.trim() === '' || !Number.isFinite(ms) || ms < 0) {
        reply(res, 400, { ok: false, error: 'expected ?ms=<non-negative number>' })
        return
      }
      relay.setSendDelay(ms)
      reply(res, 200, { ok: true, ms })
      return
    }
    default:
      if (path.startsWith('/__relay/')) {
        reply(res, 404, { ok: false, error: `no route ${route}` })
      } else {
        // Anything else is meant to be a WebSocket upgrade (RELAY uses '/').
        res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' })
        res.end('Upgrade Required: this is a fake SignalWire RELAY WebSocket endpoint\n')
      }
  }
}
