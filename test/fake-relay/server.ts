// A fake SignalWire RELAY server (messaging and outbound voice) that the real @signalwire/realtime-api v4 SDK connects to.
// Protocol notes: /work/shared/RELAY.md. One node:http server carries both the WebSocket and the /__relay control API.
import { randomUUID } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { handleControlRequest } from './control.js'
import {
  AUTH_ERROR_MESSAGE,
  RPC_AUTH_ERROR,
  RPC_INTERNAL_ERROR,
  RPC_INVALID_REQUEST,
  RPC_METHOD_NOT_FOUND,
  RPC_PARSE_ERROR,
  errorFrame,
  eventFrame,
  isJsonObject,
  parseFrame,
  pingFrame,
  resultFrame,
  stringArrayParam,
  stringParam,
  type JsonObject,
} from './protocol.js'
import { isAccepted, scenarioForNumber, stateSequence, type CallScenario, type RelayScenario } from './scenarios.js'
import { DEFAULT_PLAYBACK_MS, DEFAULT_RING_MS, VoiceCalls, type CallLink, type ReceivedCall } from './voice.js'

export type { CallScenario, RelayScenario } from './scenarios.js'
export type { CallState, PlayedTts, ReceivedCall } from './voice.js'

export interface FakeRelayOptions {
  port?: number
  project?: string
  token?: string
  sendDelayMs?: number
  receiptDelayMs?: number
  receipts?: boolean
  pingIntervalMs?: number
  /** How long a dialled call rings before it is answered (default 20 ms); see setRingTime(). */
  ringMs?: number
  /** How long one calling.play plays before `finished` (default 50 ms); see setPlaybackDuration(). */
  playbackMs?: number
}

export interface ReceivedMessage {
  /** The message_id the relay answered with; '' when the scenario issues none (reject400, throttled, rpcError, noReply, drop). */
  messageId: string
  from: string
  to: string
  body: string
  context?: string
  tags?: string[]
  receivedAt: number
  scenario: RelayScenario
}

export interface FakeRelay {
  readonly url: string
  readonly port: number
  readonly messages: ReceivedMessage[]
  /** Every calling.dial, in arrival order; each entry is updated in place as the call progresses. */
  readonly calls: ReceivedCall[]
  readonly connections: number
  readonly connectCount: number
  setScenario(to: string, scenario: RelayScenario): void
  setCallScenario(to: string, scenario: CallScenario): void
  setSendDelay(ms: number): void
  /** Ring time for every number, or only for calls to `to`. */
  setRingTime(ms: number, to?: string): void
  setPlaybackDuration(ms: number): void
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>
  waitForMessageTo(to: string, timeoutMs?: number): Promise<ReceivedMessage>
  waitForCalls(count: number, timeoutMs?: number): Promise<ReceivedCall[]>
  waitForCallTo(to: string, timeoutMs?: number): Promise<ReceivedCall>
  /** The first call to `to` that has reached the `ended` state. */
  waitForCallEnded(to: string, timeoutMs?: number): Promise<ReceivedCall>
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
  reset(): void
}

const HOST = '127.0.0.1'
const DEFAULT_WAIT_MS = 5000
// Closing with 1008 (policy violation) after -32002: the SDK has detached from the socket by then (RELAY.md §3.3).
const AUTH_FAILED_CLOSE_CODE = 1008

interface Connection {
  readonly socket: WebSocket
  /** Per-connection protocol string; also the default event context when a send has none. */
  readonly protocol: string
  authenticated: boolean
  /** The project this socket authenticated as, echoed in event envelopes. */
  project: string
  pingTimer?: NodeJS.Timeout
  /** Sends calling.* events on this socket while it is live. */
  readonly link: CallLink
}

interface Waiter {
  /** Returns true once it has settled. */
  check(): boolean
  fail(error: Error): void
}

class FakeRelayServer implements FakeRelay {
  private readonly http: Server
  private readonly wss = new WebSocketServer({ noServer: true, clientTracking: false })
  private readonly live = new Set<Connection>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly waiters = new Set<Waiter>()
  private readonly overrides = new Map<string, RelayScenario>()
  private readonly spaceId = randomUUID()
  private readonly voice: VoiceCalls
  private received: ReceivedMessage[] = []
  private sendDelayMs: number
  private answered = 0
  private boundPort: number
  private closed = false

  constructor(private readonly options: FakeRelayOptions) {
    this.boundPort = options.port ?? 0
    this.sendDelayMs = options.sendDelayMs ?? 0
    this.voice = new VoiceCalls(
      { schedule: (ms, fn) => this.schedule(ms, fn), changed: () => this.checkWaiters() },
      { ringMs: options.ringMs ?? DEFAULT_RING_MS, playbackMs: options.playbackMs ?? DEFAULT_PLAYBACK_MS },
    )
    this.http = createServer((req, res) => handleControlRequest(this, req, res))
    this.http.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws))
    })
  }

  get url(): string {
    return `ws://${HOST}:${this.boundPort}`
  }

  get port(): number {
    return this.boundPort
  }

  get messages(): ReceivedMessage[] {
    return this.received
  }

  get calls(): ReceivedCall[] {
    return this.voice.calls
  }

  get connections(): number {
    return this.live.size
  }

  get connectCount(): number {
    return this.answered
  }

  setScenario(to: string, scenario: RelayScenario): void {
    this.overrides.set(to, scenario)
  }

  setCallScenario(to: string, scenario: CallScenario): void {
    this.voice.setScenario(to, scenario)
  }

  setSendDelay(ms: number): void {
    this.sendDelayMs = Math.max(0, ms)
  }

  setRingTime(ms: number, to?: string): void {
    this.voice.setRingTime(ms, to)
  }

  setPlaybackDuration(ms: number): void {
    this.voice.setPlaybackDuration(ms)
  }

  /** Clears recorded messages and calls, per-number overrides and any setSendDelay()/timing change. */
  reset(): void {
    // A fresh array, so callers holding the old one keep a consistent snapshot.
    this.received = []
    this.overrides.clear()
    this.sendDelayMs = this.options.sendDelayMs ?? 0
    this.voice.reset()
  }

  waitForMessages(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMessage[]> {
    return this.waitFor(
      `${count} message(s)`,
      () => (this.received.length >= count ? [...this.received] : undefined),
      timeoutMs,
    )
  }

  waitForMessageTo(to: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedMessage> {
    return this.waitFor(`a message to ${to}`, () => this.received.find((m) => m.to === to), timeoutMs)
  }

  waitForCalls(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedCall[]> {
    const calls = (): ReceivedCall[] => this.voice.calls
    return this.waitFor(`${count} call(s)`, () => (calls().length >= count ? [...calls()] : undefined), timeoutMs)
  }

  waitForCallTo(to: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedCall> {
    return this.waitFor(`a call to ${to}`, () => this.voice.calls.find((c) => c.to === to), timeoutMs)
  }

  waitForCallEnded(to: string, timeoutMs = DEFAULT_WAIT_MS): Promise<ReceivedCall> {
    const ended = (): ReceivedCall | undefined => this.voice.calls.find((c) => c.to === to && c.state === 'ended')
    return this.waitFor(`an ended call to ${to}`, ended, timeoutMs)
  }

  async start(): Promise<void> {
    if (this.closed) throw new Error('fake relay: start() after close()')
    if (this.http.listening) return
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error)
      this.http.once('error', onError)
      this.http.listen(this.boundPort, HOST, () => {
        this.http.off('error', onError)
        resolve()
      })
    })
    const address = this.http.address()
    if (address === null || typeof address === 'string') throw new Error('fake relay: no TCP address after listen')
    this.boundPort = address.port
  }

  async stop(): Promise<void> {
    for (const conn of this.live) this.drop(conn)
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    if (!this.http.listening) return
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve())
      // Keep-alive HTTP control connections would otherwise hold close() open.
      this.http.closeAllConnections()
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.stop()
    this.wss.close()
    for (const waiter of this.waiters) waiter.fail(new Error('fake relay: closed while waiting'))
    this.waiters.clear()
  }

  private waitFor<T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = find()
          if (found === undefined) return false
          clearTimeout(timer)
          resolve(found)
          return true
        },
        fail: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new Error(`fake relay: timed out after ${timeoutMs} ms waiting for ${what}; ${this.describeSeen()}`))
      }, timeoutMs)
      if (!waiter.check()) this.waiters.add(waiter)
    })
  }

  private describeSeen(): string {
    const seen = this.received.map((m) => `${m.to} (${m.scenario})`).join(', ')
    const calls = this.voice.calls.map((c) => `${c.to} (${c.scenario}, ${c.state})`).join(', ')
    return (
      `received ${this.received.length} message(s)${seen === '' ? '' : `: ${seen}`}` +
      (calls === '' ? '' : `; ${this.voice.calls.length} call(s): ${calls}`)
    )
  }

  private record(message: ReceivedMessage): void {
    this.received.push(message)
    this.checkWaiters()
  }

  private checkWaiters(): void {
    for (const waiter of this.waiters) {
      if (waiter.check()) this.waiters.delete(waiter)
    }
  }

  private accept(socket: WebSocket): void {
    const conn: Connection = {
      socket,
      protocol: `signalwire_${randomUUID()}_${randomUUID()}`,
      authenticated: false,
      project: '',
      link: { emit: (eventType, params) => this.emitEvent(conn, eventType, params) },
    }
    this.live.add(conn)
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onFrame(conn, rawToString(data))
    })
    socket.on('close', () => this.forget(conn))
    // A client vanishing mid-frame is expected in outage tests; without a listener ws would throw.
    socket.on('error', () => this.forget(conn))
  }

  private forget(conn: Connection): void {
    clearInterval(conn.pingTimer)
    this.live.delete(conn)
  }

  private drop(conn: Connection): void {
    this.forget(conn)
    conn.socket.terminate()
  }

  private sendTo(conn: Connection, frame: string): void {
    if (conn.socket.readyState === WebSocket.OPEN) conn.socket.send(frame)
  }

  /** Like later(), but always asynchronous and cancellable: voice replies must precede their events. */
  private schedule(ms: number, fn: () => void): () => void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, Math.max(0, ms))
    this.timers.add(timer)
    return () => {
      clearTimeout(timer)
      this.timers.delete(timer)
    }
  }

  private later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn()
      return
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  private onFrame(conn: Connection, raw: string): void {
    const frame = parseFrame(raw)
    if (frame.kind === 'response') return // event acks and ping replies need no handling
    if (frame.kind === 'invalid') {
      const code = frame.reason === 'not JSON' ? RPC_PARSE_ERROR : RPC_INVALID_REQUEST
      this.sendTo(conn, errorFrame(null, code, `Invalid frame: ${frame.reason}`))
      return
    }
    const { id, method, params } = frame
    if (method === 'signalwire.connect') {
      this.onConnect(conn, id, params)
      return
    }
    if (!conn.authenticated) {
      this.sendTo(conn, errorFrame(id, RPC_AUTH_ERROR, 'Not authenticated: send signalwire.connect first'))
      return
    }
    switch (method) {
      case 'signalwire.receive':
        this.sendTo(conn, resultFrame(id, { code: '200', message: 'Receiving events' }))
        return
      case 'signalwire.unreceive':
        this.sendTo(conn, resultFrame(id, { code: '200', message: 'Unreceiving events' }))
        return
      case 'messaging.send':
        this.onSend(conn, id, params)
        return
      case 'calling.dial':
        this.sendTo(conn, resultFrame(id, this.voice.dial(params, conn.link)))
        return
      case 'calling.play':
        this.sendTo(conn, resultFrame(id, this.voice.play(params, conn.link)))
        return
      case 'calling.end':
        this.sendTo(conn, resultFrame(id, this.voice.end(params, conn.link)))
        return
      default:
        this.sendTo(conn, errorFrame(id, RPC_METHOD_NOT_FOUND, `Method not found: ${method}`))
    }
  }

  private onConnect(conn: Connection, id: string | number, params: JsonObject): void {
    this.answered++
    const auth = isJsonObject(params.authentication) ? params.authentication : {}
    const project = stringParam(auth, 'project') ?? ''
    const { project: wantProject, token: wantToken } = this.options
    if (
      wantProject !== undefined &&
      wantToken !== undefined &&
      (project !== wantProject || stringParam(auth, 'token') !== wantToken)
    ) {
      this.sendTo(conn, errorFrame(id, RPC_AUTH_ERROR, AUTH_ERROR_MESSAGE))
      // The SDK never reconnects or closes after -32002, so the relay closes to let the process exit.
      conn.socket.close(AUTH_FAILED_CLOSE_CODE, 'Unauthorized')
      return
    }
    conn.authenticated = true
    conn.project = project
    this.sendTo(
      conn,
      resultFrame(id, {
        identity: `${project}@${randomUUID()}.fake-relay`,
        authorization: {
          project_id: project,
          project,
          space_id: this.spaceId,
          scopes: ['messaging', 'calling'],
          resource: randomUUID(),
        },
        protocol: conn.protocol,
        ice_servers: [],
      }),
    )
    const interval = this.options.pingIntervalMs ?? 0
    if (interval > 0 && conn.pingTimer === undefined) {
      conn.pingTimer = setInterval(() => this.sendTo(conn, pingFrame()), interval)
    }
  }

  private onSend(conn: Connection, id: string | number, params: JsonObject): void {
    const to = stringParam(params, 'to_number') ?? ''
    const scenario = scenarioForNumber(to, this.overrides)
    const context = stringParam(params, 'context')
    const tags = stringArrayParam(params, 'tags')
    const message: ReceivedMessage = {
      messageId: isAccepted(scenario) ? randomUUID() : '',
      from: stringParam(params, 'from_number') ?? '',
      to,
      body: stringParam(params, 'body') ?? '',
      ...(context === undefined ? {} : { context }),
      ...(tags === undefined ? {} : { tags }),
      receivedAt: Date.now(),
      scenario,
    }
    this.record(message)
    if (scenario === 'noReply') return // the SDK gives up after 10 s and reconnects
    this.later(this.sendDelayMs, () => this.answerSend(conn, id, message))
  }

  private answerSend(conn: Connection, id: string | number, message: ReceivedMessage): void {
    switch (message.scenario) {
      case 'drop':
        this.drop(conn)
        return
      case 'rpcError':
        this.sendTo(conn, errorFrame(id, RPC_INTERNAL_ERROR, 'Internal error'))
        return
      case 'reject400':
        this.sendTo(conn, resultFrame(id, { code: '400', message: 'Bad request' }))
        return
      case 'throttled':
        this.sendTo(conn, resultFrame(id, { code: '429', message: 'Too Many Requests' }))
        return
      default:
        break
    }
    this.sendTo(conn, resultFrame(id, { code: '200', message: 'Message accepted', message_id: message.messageId }))
    if (this.options.receipts === false) return
    const gap = this.options.receiptDelayMs ?? 5
    stateSequence(message.scenario).forEach((step, index) => {
      this.later(gap * (index + 1), () => this.emitState(conn, message, step.state, step.reason))
    })
  }

  /** A calling.* event; like messaging events it goes only to a live socket (events have no context). */
  private emitEvent(conn: Connection, eventType: string, params: JsonObject): void {
    if (!this.live.has(conn)) return
    this.sendTo(conn, eventFrame({ eventType, protocol: conn.protocol, projectId: conn.project, spaceId: this.spaceId, params }))
  }

  private emitState(conn: Connection, message: ReceivedMessage, state: string, reason: string | undefined): void {
    // Events go only to the sending socket; a new socket after a reconnect is a different session.
    if (!this.live.has(conn)) return
    const context = message.context ?? conn.protocol
    this.sendTo(
      conn,
      eventFrame({
        eventType: 'messaging.state',
        protocol: conn.protocol,
        projectId: conn.project,
        spaceId: this.spaceId,
        context,
        params: {
          message_id: message.messageId,
          context, // the SDK routes on this inner context only
          direction: 'outbound',
          tags: message.tags ?? [],
          from_number: message.from,
          to_number: message.to,
          body: message.body,
          media: [],
          segments: 1,
          message_state: state,
          ...(reason === undefined ? {} : { reason }),
        },
      }),
    )
  }
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}

export async function startFakeRelay(options: FakeRelayOptions = {}): Promise<FakeRelay> {
  const relay = new FakeRelayServer(options)
  await relay.start()
  return relay
}
