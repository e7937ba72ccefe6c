// JSON-RPC 2.0 frame parsing and builders for the fake RELAY server (see /work/shared/RELAY.md §2, §5).
import { randomUUID } from 'node:crypto'

export type JsonObject = { [key: string]: unknown }

export type IncomingFrame =
  | { kind: 'request'; id: string | number; method: string; params: JsonObject }
  // A frame without `method` is a response; from the SDK that means an event ack or a ping reply.
  | { kind: 'response'; id: unknown }
  | { kind: 'invalid'; reason: string }

export const RPC_PARSE_ERROR = -32700
export const RPC_INVALID_REQUEST = -32600
export const RPC_METHOD_NOT_FOUND = -32601
export const RPC_INTERNAL_ERROR = -32603
/** The code the SDK treats as an authentication failure (RELAY.md §3.3). */
export const RPC_AUTH_ERROR = -32002

export const AUTH_ERROR_MESSAGE = 'Authentication service failed with status ProtocolError, 401 Unauthorized: {}'

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function parseFrame(raw: string): IncomingFrame {
  let data: unknown
  try {
    data = JSON.parse(raw)
  } catch {
    return { kind: 'invalid', reason: 'not JSON' }
  }
  if (!isJsonObject(data)) return { kind: 'invalid', reason: 'not a JSON object' }
  const { id, method, params } = data
  if (method === undefined) return { kind: 'response', id }
  if (typeof method !== 'string') return { kind: 'invalid', reason: 'method is not a string' }
  if (typeof id !== 'string' && typeof id !== 'number') return { kind: 'invalid', reason: 'missing id' }
  return { kind: 'request', id, method, params: isJsonObject(params) ? params : {} }
}

export function resultFrame(id: string | number, result: JsonObject): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result })
}

export function errorFrame(id: string | number | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })
}

/** A server → client request; the SDK answers these with an ack we ignore. */
export function requestFrame(method: string, params: JsonObject): string {
  return JSON.stringify({ jsonrpc: '2.0', id: randomUUID(), method, params })
}

export interface EventEnvelope {
  eventType: string
  protocol: string
  projectId: string
  spaceId: string
  context?: string
  params: JsonObject
}

/** `signalwire.event`; the SDK routes on `event_type` and the INNER params only (RELAY.md §5). */
export function eventFrame(event: EventEnvelope): string {
  return requestFrame('signalwire.event', {
    event_type: event.eventType,
    event_channel: event.protocol,
    timestamp: Date.now() / 1000,
    project_id: event.projectId,
    space_id: event.spaceId,
    ...(event.context === undefined ? {} : { context: event.context }),
    params: event.params,
  })
}

export function pingFrame(): string {
  return requestFrame('signalwire.ping', { timestamp: Date.now() / 1000 })
}

export function stringParam(params: JsonObject, key: string): string | undefined {
  const value = params[key]
  return typeof value === 'string' ? value : undefined
}

export function stringArrayParam(params: JsonObject, key: string): string[] | undefined {
  const value = params[key]
  if (!Array.isArray(value)) return undefined
  return value.filter((item): item is string => typeof item === 'string')
}

export function numberParam(params: JsonObject, key: string): number | undefined {
  const value = params[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}
