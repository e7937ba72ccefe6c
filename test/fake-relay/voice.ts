// Outbound voice calls for the fake RELAY server: calling.dial, calling.play and calling.end (RELAY.md §7).
// The server owns sockets and timers; this module owns the call state machine and what is recorded for tests.
import { randomUUID } from 'node:crypto'
import { isJsonObject, numberParam, stringParam, type JsonObject } from './protocol.js'
import { callScenarioForNumber, type CallScenario } from './scenarios.js'

export type { CallScenario } from './scenarios.js'

export type CallState = 'created' | 'ringing' | 'answered' | 'ending' | 'ended'

/** One TTS item of a calling.play, in the order the client asked for them. */
export interface PlayedTts {
  /** The control_id of the calling.play that carried it (one play may carry several items). */
  controlId: string
  text: string
  language?: string
  gender?: string
  voice?: string
  requestedAt: number
  /** 'interrupted': the call ended (either side hung up) before playback finished. */
  outcome: 'playing' | 'finished' | 'error' | 'interrupted'
  settledAt?: number
}

export interface ReceivedCall {
  /** Issued by the fake with the first state event (calling.dial's reply carries none). */
  callId: string
  nodeId: string
  /** The client's dial tag: the only thing the SDK routes dial and state events on. */
  tag: string
  to: string
  from: string
  /** The phone device's `timeout` (seconds) as sent; the fake stops ringing when it runs out. */
  timeout?: number
  scenario: CallScenario
  state: CallState
  dialState: 'dialing' | 'answered' | 'failed'
  /** `reason` of a failed calling.call.dial ('busy', 'noAnswer', or the reason of a client cancel). */
  failReason?: string
  /** `end_reason` of the ended state event. */
  endReason?: string
  /** Who ended the call: the client (calling.end), the callee (hung up) or the network (busy, no answer). */
  endedBy?: 'client' | 'callee' | 'network'
  clientHungUp: boolean
  /** The `reason` the client sent with calling.end. */
  hangupReason?: string
  tts: PlayedTts[]
  dialedAt: number
  answeredAt?: number
  endedAt?: number
}

/** Where a call's events go: the socket that last sent a command for it. Drops frames once that socket is gone. */
export interface CallLink {
  emit(eventType: string, params: JsonObject): void
}

export interface VoiceHost {
  /** Runs fn after ms (always asynchronously, so a reply goes out before its events); returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void
  /** A recorded call changed: re-check the waiters. */
  changed(): void
}

export interface VoiceTiming {
  /** How long a call rings before it is answered (or, for noAnswer numbers, before the network gives up). */
  ringMs: number
  /** How long one calling.play plays before `finished`. */
  playbackMs: number
}

export const DEFAULT_RING_MS = 20
export const DEFAULT_PLAYBACK_MS = 50
// The gap between consecutive events of one step (created → ringing, ending → ended), so they arrive as
// separate frames in a realistic order without slowing tests down.
const STEP_MS = 5

const NOT_FOUND: JsonObject = { code: '404', message: 'Call not found' }

interface LiveCall {
  readonly record: ReceivedCall
  readonly device: JsonObject
  link: CallLink
  /** Set once calling.end or a remote hangup started ending the call; later commands are no-ops. */
  ending: boolean
  readonly timers: Set<() => void>
}

interface PhoneDevice {
  device: JsonObject
  to: string
  from: string
  timeout?: number
}

export class VoiceCalls {
  private recorded: ReceivedCall[] = []
  private readonly live = new Map<string, LiveCall>()
  private readonly overrides = new Map<string, CallScenario>()
  private readonly ringOverrides = new Map<string, number>()
  private readonly nodeId = `fake-node-${randomUUID()}`
  private timing: VoiceTiming

  constructor(
    private readonly host: VoiceHost,
    private readonly defaults: VoiceTiming,
  ) {
    this.timing = { ...defaults }
  }

  get calls(): ReceivedCall[] {
    return this.recorded
  }

  setScenario(to: string, scenario: CallScenario): void {
    this.overrides.set(to, scenario)
  }

  /** For every number, or only for `to` (so concurrent calls can be answered in a chosen order). */
  setRingTime(ms: number, to?: string): void {
    if (to === undefined) this.timing.ringMs = Math.max(0, ms)
    else this.ringOverrides.set(to, Math.max(0, ms))
  }

  setPlaybackDuration(ms: number): void {
    this.timing.playbackMs = Math.max(0, ms)
  }

  /** Forgets every call (live ones stop emitting), the per-number overrides and any timing change. */
  reset(): void {
    for (const call of this.live.values()) cancelTimers(call)
    this.live.clear()
    this.recorded = []
    this.overrides.clear()
    this.ringOverrides.clear()
    this.timing = { ...this.defaults }
  }

  /** calling.dial → the result to reply with; the call's events follow asynchronously. */
  dial(params: JsonObject, link: CallLink): JsonObject {
    const tag = stringParam(params, 'tag')
    const phone = firstPhoneDevice(params.devices)
    if (tag === undefined || phone === undefined) return { code: '400', message: 'Bad request: expected a tag and a phone device' }
    const record: ReceivedCall = {
      callId: randomUUID(),
      nodeId: this.nodeId,
      tag,
      to: phone.to,
      from: phone.from,
      ...(phone.timeout === undefined ? {} : { timeout: phone.timeout }),
      scenario: callScenarioForNumber(phone.to, this.overrides),
      state: 'created',
      dialState: 'dialing',
      clientHungUp: false,
      tts: [],
      dialedAt: Date.now(),
    }
    const call: LiveCall = { record, device: phone.device, link, ending: false, timers: new Set() }
    this.recorded.push(record)
    this.live.set(record.callId, call)
    this.host.changed()
    this.after(call, 0, () => this.create(call))
    return { code: '200', message: 'Dialing' }
  }

  /** calling.play → the result; playback events follow. Only TTS items are recorded, all media types play. */
  play(params: JsonObject, link: CallLink): JsonObject {
    const call = this.find(params)
    const controlId = stringParam(params, 'control_id')
    if (call === undefined) return NOT_FOUND
    const media = flattenMedia(params.play)
    if (controlId === undefined || media.length === 0) return { code: '400', message: 'Bad request: expected control_id and play' }
    if (call.record.state !== 'answered' || call.ending) return { code: '400', message: 'Call is not answered' }
    call.link = link
    const now = Date.now()
    const tts = media.filter((item) => item.type === 'tts').map((item) => ttsFrom(controlId, item.params, now))
    call.record.tts.push(...tts)
    this.host.changed()
    this.after(call, 0, () => this.startPlayback(call, controlId, tts))
    return { code: '200', message: 'Playing', call_id: call.record.callId, control_id: controlId }
  }

  /** calling.end → the result; ending/ended follow (and a failed dial, when the call was not answered yet). */
  end(params: JsonObject, link: CallLink): JsonObject {
    const call = this.find(params)
    if (call === undefined) return NOT_FOUND
    call.link = link
    const reason = stringParam(params, 'reason') ?? 'hangup'
    if (!call.ending) {
      call.record.clientHungUp = true
      call.record.hangupReason = reason
      const wasAnswered = call.record.state === 'answered'
      // Ending starts now (so nothing else is scheduled), the events go out after the reply.
      this.beginEnding(call)
      this.after(call, 0, () =>
        this.endCall(call, reason, 'client', () => {
          if (!wasAnswered) this.failDialEvent(call, reason)
        }),
      )
    }
    this.host.changed()
    return { code: '200', message: 'Disconnecting call' }
  }

  /** Only calls that have not ended: commands for an ended or unknown call get 404. */
  private find(params: JsonObject): LiveCall | undefined {
    const callId = stringParam(params, 'call_id')
    return callId === undefined ? undefined : this.live.get(callId)
  }

  private after(call: LiveCall, ms: number, fn: () => void): void {
    const cancel = this.host.schedule(ms, () => {
      call.timers.delete(cancel)
      fn()
    })
    call.timers.add(cancel)
  }

  private create(call: LiveCall): void {
    this.emitState(call, 'created')
    if (call.record.scenario === 'busy') {
      // A busy callee never rings: the network ends the call, then the dial fails (RELAY.md §7, failed dial).
      this.after(call, STEP_MS, () => this.failDial(call, 'busy'))
      return
    }
    this.after(call, STEP_MS, () => this.ring(call))
  }

  private ring(call: LiveCall): void {
    this.emitState(call, 'ringing')
    const ringMs = this.ringOverrides.get(call.record.to) ?? this.timing.ringMs
    // The dial's own timeout wins when it is shorter than the ring time: the callee was too slow.
    const limitMs = call.record.timeout === undefined ? Number.POSITIVE_INFINITY : call.record.timeout * 1000
    const picksUp = call.record.scenario !== 'noAnswer' && ringMs <= limitMs
    if (picksUp) this.after(call, ringMs, () => this.answer(call))
    else this.after(call, Math.min(ringMs, limitMs), () => this.failDial(call, 'noAnswer'))
  }

  private answer(call: LiveCall): void {
    call.record.answeredAt = Date.now()
    call.record.dialState = 'answered'
    // The state event must come first: it creates the SDK's Call, which the dial event then updates.
    this.emitState(call, 'answered')
    const { callId, nodeId, tag } = call.record
    call.link.emit('calling.call.dial', {
      node_id: nodeId,
      tag,
      dial_state: 'answered',
      // This object replaces the SDK Call's payload, so it carries everything a state event does.
      call: {
        call_id: callId,
        node_id: nodeId,
        tag,
        device: call.device,
        direction: 'outbound',
        call_state: 'answered',
        dial_winner: 'true',
      },
    })
  }

  private failDial(call: LiveCall, reason: string): void {
    cancelTimers(call)
    call.ending = true
    call.record.endedBy = 'network'
    this.emitState(call, 'ended', reason)
    this.failDialEvent(call, reason)
  }

  private failDialEvent(call: LiveCall, reason: string): void {
    call.record.dialState = 'failed'
    call.record.failReason = reason
    this.host.changed()
    const { nodeId, tag } = call.record
    call.link.emit('calling.call.dial', { node_id: nodeId, tag, dial_state: 'failed', reason, source: 'outbound' })
  }

  private startPlayback(call: LiveCall, controlId: string, tts: PlayedTts[]): void {
    if (call.record.scenario === 'playError') {
      // The request was accepted but the media could not be played: error without a playing state.
      this.settle(tts, 'error')
      this.emitPlay(call, controlId, 'error')
      return
    }
    this.emitPlay(call, controlId, 'playing')
    const { playbackMs } = this.timing
    if (call.record.scenario === 'hangupDuringPlay') {
      // The callee hangs up half-way; like a real call that is gone, no play event follows (see calls.test.ts).
      this.after(call, playbackMs / 2, () => {
        this.beginEnding(call)
        this.endCall(call, 'hangup', 'callee')
      })
      return
    }
    this.after(call, playbackMs, () => {
      this.settle(tts, 'finished')
      this.emitPlay(call, controlId, 'finished')
    })
  }

  /** Stops everything scheduled for the call (ringing, playback) and marks unfinished TTS as interrupted. */
  private beginEnding(call: LiveCall): void {
    cancelTimers(call)
    call.ending = true
    this.settle(
      call.record.tts.filter((item) => item.outcome === 'playing'),
      'interrupted',
    )
  }

  private endCall(call: LiveCall, reason: string, by: 'client' | 'callee', afterEnded?: () => void): void {
    call.record.endedBy = by
    this.emitState(call, 'ending')
    this.after(call, STEP_MS, () => {
      this.emitState(call, 'ended', reason)
      afterEnded?.()
    })
  }

  private settle(tts: PlayedTts[], outcome: PlayedTts['outcome']): void {
    const now = Date.now()
    for (const item of tts) {
      item.outcome = outcome
      item.settledAt = now
    }
    this.host.changed()
  }

  private emitState(call: LiveCall, state: CallState, endReason?: string): void {
    const { record } = call
    record.state = state
    if (state === 'ended') {
      record.endedAt = Date.now()
      if (endReason !== undefined) record.endReason = endReason
      this.live.delete(record.callId)
    }
    this.host.changed()
    // tag and direction are what the SDK's per-dial worker filters state events on (RELAY.md §7 #3, #11).
    call.link.emit('calling.call.state', {
      call_id: record.callId,
      node_id: record.nodeId,
      tag: record.tag,
      direction: 'outbound',
      device: call.device,
      call_state: state,
      ...(endReason === undefined ? {} : { end_reason: endReason }),
    })
  }

  private emitPlay(call: LiveCall, controlId: string, state: 'playing' | 'finished' | 'error'): void {
    const { callId, nodeId } = call.record
    call.link.emit('calling.call.play', { node_id: nodeId, call_id: callId, control_id: controlId, state })
  }
}

function cancelTimers(call: LiveCall): void {
  for (const cancel of call.timers) cancel()
  call.timers.clear()
}

/** The first phone device of `devices`, a nested list of serial/parallel groups; the fake dials only that one. */
function firstPhoneDevice(devices: unknown): PhoneDevice | undefined {
  if (!Array.isArray(devices)) return undefined
  for (const entry of devices) {
    const found = Array.isArray(entry) ? firstPhoneDevice(entry) : phoneDevice(entry)
    if (found !== undefined) return found
  }
  return undefined
}

function phoneDevice(entry: unknown): PhoneDevice | undefined {
  if (!isJsonObject(entry) || entry.type !== 'phone' || !isJsonObject(entry.params)) return undefined
  const to = stringParam(entry.params, 'to_number')
  if (to === undefined) return undefined
  const timeout = numberParam(entry.params, 'timeout')
  return {
    // Echoed in every event, as real RELAY does; the SDK reads call.to/call.from from it.
    device: { type: 'phone', params: entry.params },
    to,
    from: stringParam(entry.params, 'from_number') ?? '',
    ...(timeout === undefined ? {} : { timeout }),
  }
}

interface PlayItem {
  type: string
  params: JsonObject
}

/** calling.play's `play` list, flattened (the SDK allows nested lists); items without a type are skipped. */
function flattenMedia(play: unknown): PlayItem[] {
  if (!Array.isArray(play)) return []
  return play.flatMap((item): PlayItem[] => {
    if (Array.isArray(item)) return flattenMedia(item)
    if (!isJsonObject(item) || typeof item.type !== 'string') return []
    return [{ type: item.type, params: isJsonObject(item.params) ? item.params : {} }]
  })
}

function ttsFrom(controlId: string, params: JsonObject, requestedAt: number): PlayedTts {
  const language = stringParam(params, 'language')
  const gender = stringParam(params, 'gender')
  const voice = stringParam(params, 'voice')
  return {
    controlId,
    text: stringParam(params, 'text') ?? '',
    ...(language === undefined ? {} : { language }),
    ...(gender === undefined ? {} : { gender }),
    ...(voice === undefined ? {} : { voice }),
    requestedAt,
    outcome: 'playing',
  }
}
