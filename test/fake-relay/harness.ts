// Helpers shared by the fake relay's own tests: outcome capture, polling, and a bare WebSocket client that records
// every frame, for protocol details the SDK hides.
import { once } from 'node:events'
import { WebSocket } from 'ws'

export const PROJECT = 'test-project'
export const TOKEN = 'test-token'

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

export function outcome(promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  )
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A bare WebSocket client that records every frame, for checks below the SDK. */
export class RawClient {
  readonly frames: Record<string, unknown>[] = []
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary || !(data instanceof Buffer)) return // the relay only sends single text frames
      const parsed: unknown = JSON.parse(data.toString('utf8'))
      if (isRecord(parsed)) this.frames.push(parsed)
    })
  }

  static async open(url: string): Promise<RawClient> {
    const socket = new WebSocket(url)
    const client = new RawClient(socket)
    await once(socket, 'open')
    return client
  }

  send(frame: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', ...frame }))
  }

  async next(match: (frame: Record<string, unknown>) => boolean, ms = 2000): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined
    await eventually(() => (found = this.frames.find(match)) !== undefined, ms, 'raw frame')
    if (found === undefined) throw new Error('unreachable')
    return found
  }

  async connect(project = PROJECT, token = TOKEN): Promise<Record<string, unknown>> {
    this.send({ id: 'connect-1', method: 'signalwire.connect', params: { authentication: { project, token } } })
    return this.next((f) => f.id === 'connect-1')
  }

  /** The signalwire.event frames so far whose event_type starts with `prefix`, in arrival order. */
  events(prefix: string): RawEvent[] {
    return this.frames.flatMap((frame): RawEvent[] => {
      const outer = frame.params
      if (frame.method !== 'signalwire.event' || !isRecord(outer) || typeof outer.event_type !== 'string') return []
      if (!outer.event_type.startsWith(prefix)) return []
      return [{ type: outer.event_type, params: innerParams(frame) }]
    })
  }

  async waitForEvents(prefix: string, count: number, ms = 2000): Promise<RawEvent[]> {
    await eventually(() => this.events(prefix).length >= count, ms, `${count} ${prefix}* event(s)`)
    return this.events(prefix)
  }

  close(): void {
    this.socket.terminate()
  }
}

export interface RawEvent {
  type: string
  params: Record<string, unknown>
}

export function innerParams(frame: Record<string, unknown>): Record<string, unknown> {
  const outer = frame.params
  if (!isRecord(outer) || !isRecord(outer.params)) throw new Error(`not an event: ${JSON.stringify(frame)}`)
  return outer.params
}
