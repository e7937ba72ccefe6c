import { SendFailure } from './sender.js'

/**
 * What a rejection of `client.messaging.send` means. The SDK rejects with plain objects, Symbols and TypeErrors
 * rather than Errors (RELAY.md §2, §8):
 *
 * - `{ code: '4xx', message }` (a RELAY result): refused; permanent, except 429 (throttled), which is transient.
 * - `{ code: '5xx', message }`: the provider failed before taking it; transient.
 * - `{ code: -32xxx, message }` (a JSON-RPC error): transient.
 * - a Symbol (`sw-execute-connection-closed`) or a TypeError (the SDK's own 10 s timeout): the request may still
 *   reach SignalWire once the SDK reconnects; the outcome is unknown.
 */
export function classifyRejection(reason: unknown): SendFailure {
  if (typeof reason === 'symbol') {
    return new SendFailure('unknown', 'connection_closed', `RELAY connection closed during the send (${reason.description ?? 'symbol'})`)
  }
  if (reason instanceof TypeError) {
    return new SendFailure('unknown', 'sdk_timeout', 'the SDK gave up waiting for an answer')
  }
  // An Error (even one with a Node-style `code` such as ECONNRESET) is not a RELAY answer: outcome unknown.
  if (reason instanceof Error) return new SendFailure('unknown', 'error', reason.message.slice(0, 200))
  if (reason !== null && typeof reason === 'object' && 'code' in reason) {
    const rawCode = reason.code
    const rawMessage = (reason as { message?: unknown }).message
    const message = typeof rawMessage === 'string' ? rawMessage.slice(0, 200) : ''
    const code = typeof rawCode === 'number' || typeof rawCode === 'string' ? String(rawCode) : ''
    // Our own client was closed (shutdown): another worker can send it.
    if (message === 'The SDK is disconnected') return new SendFailure('transient', 'client_closed', message)
    if (/^4\d\d$/.test(code)) {
      return new SendFailure(code === '429' ? 'transient' : 'permanent', `provider_${code}`, message || 'refused by SignalWire')
    }
    if (/^5\d\d$/.test(code)) return new SendFailure('transient', `provider_${code}`, message || 'SignalWire failed')
    if (/^-32\d{3}$/.test(code)) return new SendFailure('transient', `rpc_${code.slice(1)}`, message || 'RELAY error')
    return new SendFailure('transient', 'provider_error', message || 'SignalWire error')
  }
  return new SendFailure('unknown', 'unknown', 'the send failed for an unknown reason')
}
