// HTTP control API (/__relay/*) for processes that cannot import the fake relay module.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isCallScenario, isRelayScenario } from './scenarios.js'
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

/** A non-negative number from the query: undefined when absent, null when malformed. */
function msParam(query: ReadonlyMap<string, string>, key: string): number | undefined | null {
  const raw = query.get(key)
  if (raw === undefined) return undefined
  const ms = Number(raw)
  return raw.trim() === '' || !Number.isFinite(ms) || ms < 0 ? null : ms
}

/**
 * `?ringMs=<ms>&playbackMs=<ms>`, either or both (`&to=<number>` makes ringMs apply to that number only);
 * nothing changes unless every given value is valid.
 */
function setCallTiming(relay: FakeRelay, query: ReadonlyMap<string, string>, res: ServerResponse): void {
  const ringMs = msParam(query, 'ringMs')
  const playbackMs = msParam(query, 'playbackMs')
  if (ringMs === null || playbackMs === null || (ringMs === undefined && playbackMs === undefined)) {
    reply(res, 400, { ok: false, error: 'expected ?ringMs=<ms>&playbackMs=<ms> (either or both, non-negative), optional &to=<number>' })
    return
  }
  const to = query.get('to')
  if (ringMs !== undefined) relay.setRingTime(ringMs, to === '' ? undefined : to)
  if (playbackMs !== undefined) relay.setPlaybackDuration(playbackMs)
  reply(res, 200, {
    ok: true,
    ...(ringMs === undefined ? {} : { ringMs }),
    ...(playbackMs === undefined ? {} : { playbackMs }),
    ...(to === undefined || to === '' ? {} : { to }),
  })
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
    case 'GET /__relay/calls':
      reply(res, 200, relay.calls)
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
    case 'POST /__relay/call-scenario': {
      const to = query.get('to')
      const scenario = query.get('scenario')
      if (to === undefined || to === '' || !isCallScenario(scenario)) {
        reply(res, 400, { ok: false, error: 'expected ?to=<E.164 number>&scenario=<CallScenario>' })
        return
      }
      relay.setCallScenario(to, scenario)
      reply(res, 200, { ok: true, to, scenario })
      return
    }
    case 'POST /__relay/call-timing':
      setCallTiming(relay, query, res)
      return
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
