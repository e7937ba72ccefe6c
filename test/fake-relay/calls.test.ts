// Voice calls through the fake RELAY server, driven by the real, unmodified @signalwire/realtime-api 4.2.1 SDK (plus a
// raw ws client for the exact wire sequences), and the SDK's concurrent-dial trap (RELAY.md §7.1) with the helpers
// that avoid it. Run: npx vitest run test/fake-relay
import { afterAll, afterEach, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { SignalWire } from '@signalwire/realtime-api'
import type { SWClient, Voice } from '@signalwire/realtime-api'
import { PROJECT, RawClient, TOKEN, eventually, isRecord, outcome, withTimeout, type RawEvent } from './harness.js'
import { startFakeRelay, type FakeRelay, type ReceivedCall } from './server.js'

type Call = Voice.Call
type DialPhoneParams = Omit<Parameters<SWClient['voice']['dialPhone']>[0], 'listen'>
type TtsParams = Parameters<Call['playTTS']>[0]

const FROM = '+12015550100'
const BUSY = '0486'
const NO_ANSWER = '0408'

// ── Helpers for the worker (to be ported) ──────────────────────────────────────────────────────────────────────────

/** A dial that produced no answered call. */
class DialFailedError extends Error {
  constructor(
    readonly to: string,
    /**
     * RELAY's reason ('busy', 'noAnswer', …) when the SDK let this dial see it, else 'unknown'; 'deadline' when it
     * gave up waiting; 'request' when calling.dial itself failed (the SDK's rejection value is the `cause`).
     */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`dial to ${to} failed: ${reason}`, cause === undefined ? undefined : { cause })
    this.name = 'DialFailedError'
  }
}

function isDialFailure(value: unknown): value is { tag: string; reason?: unknown } {
  return isRecord(value) && value.dialState === 'failed' && typeof value.tag === 'string'
}

function isUp(call: Call): boolean {
  return call.state !== 'ending' && call.state !== 'ended'
}

/**
 * Dials one number and resolves with THIS dial's Call, however many other dials are in flight on the same client.
 *
 * dialPhone() cannot be trusted for that: Voice.dial() waits with once('dial.answered') / once('dial.failed') on the
 * client's single Voice emitter, so the first dial to finish settles every pending dialPhone() with its own Call or
 * failure. What the SDK does filter by the dial's tag is the per-dial worker and, with it, the `listen` listeners:
 * they are attached to the Call that worker creates from this dial's own calling.call.state events. So:
 * - the Call and the outcome come from listen.onStateChanged (answered → resolve; ended first → reject);
 * - whatever dialPhone() resolves with is ignored (it may be another dial's Call);
 * - a dialPhone() rejection that is not a dial failure is this dial's own request error (each dial's execute()
 *   rejects only its own promise): reason 'request', with the SDK's value as the cause;
 * - a dial failure is used only for its reason, and only if its tag is this call's. When another dial's event has
 *   already settled this dialPhone(), the SDK hands this dial's failure to nobody: the reason is then 'unknown'.
 * - after deadlineMs it gives up ('deadline') and hangs up its call if that is still ringing (or answers later).
 */
function dialOwnCall(
  client: SWClient,
  params: DialPhoneParams,
  deadlineMs = ((params.timeout ?? 60) + 10) * 1000,
): Promise<Call> {
  return new Promise<Call>((resolve, reject) => {
    let own: Call | undefined // only ever this dial's Call: the state events that create it are filtered by tag
    let sdkSettled = false
    let reason = 'unknown'
    let outcome: 'pending' | 'resolved' | 'rejected' = 'pending'
    const deadline = setTimeout(() => fail('deadline'), deadlineMs)

    const settle = (next: 'resolved' | 'rejected'): boolean => {
      if (outcome !== 'pending') return false
      outcome = next
      clearTimeout(deadline)
      return true
    }
    const fail = (why: string): void => {
      if (!settle('rejected')) return
      reject(new DialFailedError(params.to, why))
      if (own !== undefined && isUp(own)) own.hangup().catch(() => undefined)
    }
    const onStateChanged = (call: Call): void => {
      own = call
      if (call.state === 'answered') {
        if (settle('resolved')) resolve(call)
        else if (outcome === 'rejected') call.hangup().catch(() => undefined) // answered after the deadline
      } else if (call.state === 'ended' && sdkSettled) {
        fail(reason)
      }
      // An ended state while dialPhone() is pending: this dial's calling.call.dial failed is the next event.
    }

    client.voice.dialPhone({ ...params, listen: { onStateChanged } }).then(
      () => {
        sdkSettled = true
        if (own?.state === 'ended') fail(reason)
      },
      (error: unknown) => {
        sdkSettled = true
        if (!isDialFailure(error)) {
          if (settle('rejected')) reject(new DialFailedError(params.to, 'request', error))
          return
        }
        if (own !== undefined && error.tag === own.tag && typeof error.reason === 'string') reason = error.reason
        if (own?.state === 'ended') fail(reason)
      },
    )
  })
}

/**
 * playTTS() that also settles when the call ends. After the callee hangs up mid-playback no calling.call.play
 * follows, and the SDK's playTTS() then never settles; the call's own ended state is what tells.
 */
async function speak(call: Call, params: TtsParams): Promise<'finished' | 'ended'> {
  let unsubscribe: (() => Promise<void>) | undefined
  const ended = new Promise<'ended'>((resolve) => {
    call
      .listen({
        onStateChanged: (changed) => {
          if (changed.state === 'ended') resolve('ended')
        },
      })
      .then(
        (off) => (unsubscribe = off),
        () => undefined,
      )
  })
  try {
    return await Promise.race([call.playTTS(params).then(() => 'finished' as const), ended])
  } finally {
    await unsubscribe?.()
  }
}

/**
 * The other correct way: one dialPhone() in flight per client (a promise chain as a mutex); with nothing else pending,
 * what it settles with is its own. Playback and hangup still run concurrently; only the ring phases queue up.
 */
function serialDialer(client: SWClient): (params: DialPhoneParams) => Promise<Call> {
  let tail: Promise<unknown> = Promise.resolve()
  return (params) => {
    const dialled = tail.then(() => client.voice.dialPhone(params))
    tail = dialled.catch(() => undefined)
    return dialled
  }
}

// ── Test helpers ───────────────────────────────────────────────────────────────────────────────────────────────────

function texts(call: ReceivedCall): string[] {
  return call.tts.map((item) => item.text)
}

/** Records every state each `to` went through, as the per-dial listener saw it, and the Call it saw. */
class StateLog {
  readonly states = new Map<string, string[]>()
  readonly calls = new Map<string, Call>()

  listen(to: string): { onStateChanged: (call: Call) => void } {
    return {
      onStateChanged: (call) => {
        this.calls.set(to, call)
        this.states.set(to, [...(this.states.get(to) ?? []), String(call.state)])
      },
    }
  }

  of(to: string): string[] {
    return this.states.get(to) ?? []
  }

  /** Hangs up every call still up, so a test leaves no answered call behind. */
  async hangUpAll(): Promise<void> {
    for (const call of this.calls.values()) if (isUp(call)) await call.hangup()
  }
}

function connect(relay: FakeRelay): Promise<SWClient> {
  return withTimeout(SignalWire({ project: PROJECT, token: TOKEN, host: relay.url, logLevel: 'silent' }), 5000, 'SDK connect')
}

describe('voice calls with the real SDK', () => {
  let relay: FakeRelay
  let client: SWClient

  beforeAll(async () => {
    relay = await startFakeRelay({ project: PROJECT, token: TOKEN })
    client = await connect(relay)
  })

  afterEach(() => relay.reset())

  afterAll(async () => {
    await client.disconnect()
    await relay.close()
  })

  test('answered: dialPhone resolves with the call, every TTS text is recorded in order with its params, hangup resolves', async () => {
    const to = '+12015550140'
    const log = new StateLog()
    const call = await withTimeout(client.voice.dialPhone({ to, from: FROM, timeout: 30, listen: log.listen(to) }), 5000, 'dial')
    const record = await relay.waitForCallTo(to)
    assert.equal(call.state, 'answered')
    assert.equal(call.id, record.callId)
    assert.equal(call.nodeId, record.nodeId)
    assert.equal(call.tag, record.tag)
    assert.equal(call.to, to)
    assert.equal(call.from, FROM)
    assert.equal(call.direction, 'outbound')
    assert.equal(record.from, FROM)
    assert.equal(record.timeout, 30)
    assert.equal(record.dialState, 'answered')

    const first = await withTimeout(call.playTTS({ text: 'Your code is 1 2 3 4 5 6', language: 'en-US' }), 5000, 'playTTS')
    assert.equal(first.state, 'finished')
    assert.equal(first.id, record.tts[0]?.controlId)
    await withTimeout(call.playTTS({ text: 'Again: 1 2 3 4 5 6', gender: 'female' }), 5000, 'second playTTS')
    assert.equal(await withTimeout(call.hangup(), 5000, 'hangup'), undefined)

    assert.deepEqual(log.of(to), ['created', 'ringing', 'answered', 'ending', 'ended'])
    assert.deepEqual(
      record.tts.map(({ text, language, gender, outcome }) => ({ text, language, gender, outcome })),
      [
        { text: 'Your code is 1 2 3 4 5 6', language: 'en-US', gender: undefined, outcome: 'finished' },
        { text: 'Again: 1 2 3 4 5 6', language: undefined, gender: 'female', outcome: 'finished' },
      ],
    )
    assert.equal(record.state, 'ended')
    assert.equal(record.clientHungUp, true)
    assert.equal(record.hangupReason, 'hangup')
    assert.equal(record.endReason, 'hangup')
    assert.equal(record.endedBy, 'client')
    const [tts1, tts2] = record.tts
    assert.ok(tts1 !== undefined && tts2 !== undefined)
    const order = [record.dialedAt, record.answeredAt, tts1.requestedAt, tts1.settledAt, tts2.requestedAt, record.endedAt]
    assert.deepEqual([...order].sort((a, b) => (a ?? 0) - (b ?? 0)), order, `timestamps in order: ${order.join(', ')}`)
  })

  test(`busy (…${BUSY}): dialPhone rejects with the camelCased dial failure`, async () => {
    const to = `+1201555${BUSY}`
    const log = new StateLog()
    const result = await withTimeout(outcome(client.voice.dialPhone({ to, from: FROM, timeout: 30, listen: log.listen(to) })), 5000, 'dial')
    const record = await relay.waitForCallEnded(to)
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.ok(!(result.error instanceof Error))
    assert.deepEqual(result.error, { nodeId: record.nodeId, tag: record.tag, dialState: 'failed', reason: 'busy', source: 'outbound' })
    assert.deepEqual(log.of(to), ['created', 'ended'])
    assert.equal(record.scenario, 'busy')
    assert.equal(record.dialState, 'failed')
    assert.equal(record.failReason, 'busy')
    assert.equal(record.endReason, 'busy')
    assert.equal(record.endedBy, 'network')
    assert.equal(record.answeredAt, undefined)
    assert.equal(record.clientHungUp, false)
    assert.deepEqual(record.tts, [])
  })

  test(`no answer (…${NO_ANSWER}): rings for the ring time, then dialPhone rejects with reason noAnswer`, async () => {
    const to = `+1201555${NO_ANSWER}`
    relay.setRingTime(150)
    const log = new StateLog()
    const result = await withTimeout(outcome(client.voice.dialPhone({ to, from: FROM, timeout: 30, listen: log.listen(to) })), 5000, 'dial')
    const record = await relay.waitForCallEnded(to)
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.deepEqual(result.error, { nodeId: record.nodeId, tag: record.tag, dialState: 'failed', reason: 'noAnswer', source: 'outbound' })
    assert.deepEqual(log.of(to), ['created', 'ringing', 'ended'])
    assert.equal(record.endReason, 'noAnswer')
    assert.equal(record.endedBy, 'network')
    assert.ok((record.endedAt ?? 0) - record.dialedAt >= 145, 'rang for the ring time')
  })

  test('a dial timeout shorter than the ring time ends the call as no answer', async () => {
    const to = '+12015550141'
    relay.setRingTime(5000, to)
    const result = await withTimeout(outcome(client.voice.dialPhone({ to, from: FROM, timeout: 0.2 })), 5000, 'dial')
    const record = await relay.waitForCallEnded(to)
    assert.equal(result.ok, false)
    assert.equal(record.scenario, 'answered')
    assert.equal(record.timeout, 0.2)
    assert.equal(record.failReason, 'noAnswer')
    const rang = (record.endedAt ?? 0) - record.dialedAt
    assert.ok(rang >= 195 && rang < 5000, `rang ${rang} ms: until the dial timeout`)
  })

  test('callee hangs up during playback (…0487): playTTS never settles, the call ends with hangup, hangup() gets 404', async () => {
    const to = '+12015550487'
    relay.setPlaybackDuration(400) // the callee hangs up half-way, at 200 ms
    const log = new StateLog()
    const call = await withTimeout(client.voice.dialPhone({ to, from: FROM, timeout: 30, listen: log.listen(to) }), 5000, 'dial')
    let settled = false
    void outcome(call.playTTS({ text: 'Your code is 9 9 9' })).then(() => (settled = true))
    const record = await relay.waitForCallEnded(to)
    await new Promise((resolve) => setTimeout(resolve, 500)) // well past the whole playback
    assert.equal(settled, false, 'playTTS settled after a remote hangup')
    assert.deepEqual(log.of(to), ['created', 'ringing', 'answered', 'ending', 'ended'])
    assert.equal(call.state, 'ended')
    assert.equal(record.endedBy, 'callee')
    assert.equal(record.endReason, 'hangup')
    assert.equal(record.clientHungUp, false)
    assert.deepEqual(
      record.tts.map((item) => [item.text, item.outcome]),
      [['Your code is 9 9 9', 'interrupted']],
    )
    const hangup = await withTimeout(outcome(call.hangup()), 5000, 'hangup after the callee hung up')
    assert.deepEqual(hangup, { ok: false, error: { code: '404', message: 'Call not found' } })
  })

  test('speak() settles with "ended" when the callee hangs up, "finished" otherwise (setCallScenario override)', async () => {
    const hangsUp = '+12015550142'
    const listens = '+12015550143'
    relay.setCallScenario(hangsUp, 'hangupDuringPlay')
    relay.setPlaybackDuration(200)
    const [a, b] = await Promise.all([hangsUp, listens].map((to) => dialOwnCall(client, { to, from: FROM, timeout: 30 })))
    assert.ok(a !== undefined && b !== undefined)
    assert.equal(await withTimeout(speak(a, { text: 'code 1' }), 5000, 'speak to a callee who hangs up'), 'ended')
    assert.equal(await withTimeout(speak(b, { text: 'code 2' }), 5000, 'speak'), 'finished')
    await b.hangup()
    assert.equal((await relay.waitForCallEnded(hangsUp)).endedBy, 'callee')
    assert.equal((await relay.waitForCallEnded(listens)).endedBy, 'client')
  })

  test('play error (…0415): playTTS rejects with the CallPlayback in state error; the call stays up', async () => {
    const to = '+12015550415'
    const call = await withTimeout(client.voice.dialPhone({ to, from: FROM, timeout: 30 }), 5000, 'dial')
    const played = await withTimeout(outcome(call.playTTS({ text: 'Your code is 4 2' })), 5000, 'playTTS')
    const record = await relay.waitForCallTo(to)
    assert.equal(played.ok, false)
    if (played.ok) return
    assert.ok(!(played.error instanceof Error))
    assert.ok(isRecord(played.error))
    assert.equal(played.error.state, 'error')
    assert.equal(played.error.id, record.tts[0]?.controlId)
    assert.equal(call.state, 'answered')
    assert.equal(record.tts[0]?.outcome, 'error')
    await withTimeout(call.hangup(), 5000, 'hangup')
    assert.equal(record.clientHungUp, true)
    assert.equal(record.endReason, 'hangup')
  })

  test('HTTP control API: call-scenario, call-timing, calls, reset', async () => {
    const base = `http://127.0.0.1:${relay.port}/__relay`
    const to = '+12015550144'
    assert.equal((await fetch(`${base}/call-scenario?to=+12015550144&scenario=busy`, { method: 'POST' })).status, 200)
    assert.equal((await fetch(`${base}/call-scenario?to=${to}&scenario=nonsense`, { method: 'POST' })).status, 400)
    const timing = await fetch(`${base}/call-timing?ringMs=30&playbackMs=20`, { method: 'POST' })
    assert.deepEqual(await timing.json(), { ok: true, ringMs: 30, playbackMs: 20 })
    const one = await fetch(`${base}/call-timing?ringMs=15&to=%2B12015550145`, { method: 'POST' })
    assert.deepEqual(await one.json(), { ok: true, ringMs: 15, to: '+12015550145' })
    assert.equal((await fetch(`${base}/call-timing?ringMs=-1`, { method: 'POST' })).status, 400)
    assert.equal((await fetch(`${base}/call-timing`, { method: 'POST' })).status, 400)

    const busy = await withTimeout(outcome(client.voice.dialPhone({ to, from: FROM, timeout: 30 })), 5000, 'dial')
    assert.equal(busy.ok, false)
    const listed: unknown = await (await fetch(`${base}/calls`)).json()
    assert.ok(Array.isArray(listed))
    const last: unknown = listed.at(-1)
    assert.ok(isRecord(last))
    assert.equal(last.to, to)
    assert.equal(last.scenario, 'busy')
    assert.equal(last.failReason, 'busy')
    assert.equal(typeof last.tag, 'string')

    assert.equal((await fetch(`${base}/reset`, { method: 'POST' })).status, 200)
    assert.deepEqual(await (await fetch(`${base}/calls`)).json(), [])
    assert.equal(relay.calls.length, 0)
  })

  test('waitForCalls rejects with a clear error on timeout', async () => {
    await assert.rejects(relay.waitForCalls(1000, 50), /timed out after 50 ms waiting for 1000 call/)
  })
})

describe('voice wire sequences (raw WebSocket)', () => {
  let relay: FakeRelay
  const raws: RawClient[] = []

  async function connected(): Promise<RawClient> {
    const c = await RawClient.open(relay.url)
    raws.push(c)
    await c.connect()
    return c
  }

  function dial(c: RawClient, id: string, tag: string, to: string): void {
    const devices = [[{ type: 'phone', params: { to_number: to, from_number: FROM, timeout: 30 } }]]
    c.send({ id, method: 'calling.dial', params: { tag, devices } })
  }

  function summary(events: RawEvent[]): string[] {
    return events.map((e) => `${e.type}:${String(e.params.call_state ?? e.params.dial_state ?? e.params.state)}`)
  }

  beforeAll(async () => {
    relay = await startFakeRelay({ project: PROJECT, token: TOKEN, ringMs: 10, playbackMs: 10 })
  })

  afterAll(async () => {
    for (const c of raws) c.close()
    await relay.close()
  })

  test('answered, play, end: every frame as RELAY.md §7 describes', async () => {
    const c = await connected()
    const to = '+12015550150'
    dial(c, 'd1', 'tag-1', to)
    assert.deepEqual((await c.next((f) => f.id === 'd1')).result, { code: '200', message: 'Dialing' })
    const dialEvents = await c.waitForEvents('calling.', 4)
    const record = await relay.waitForCallTo(to)
    const device = { type: 'phone', params: { to_number: to, from_number: FROM, timeout: 30 } }
    const state = (callState: string): Record<string, unknown> => ({
      call_id: record.callId,
      node_id: record.nodeId,
      tag: 'tag-1',
      direction: 'outbound',
      device,
      call_state: callState,
    })
    assert.deepEqual(dialEvents, [
      { type: 'calling.call.state', params: state('created') },
      { type: 'calling.call.state', params: state('ringing') },
      { type: 'calling.call.state', params: state('answered') },
      {
        type: 'calling.call.dial',
        params: {
          node_id: record.nodeId,
          tag: 'tag-1',
          dial_state: 'answered',
          call: { ...state('answered'), dial_winner: 'true' },
        },
      },
    ])

    const ids = { node_id: record.nodeId, call_id: record.callId }
    const play = [{ type: 'tts', params: { text: 'one', language: 'en-GB', gender: 'male' } }, { type: 'silence', params: { duration: 1 } }]
    c.send({ id: 'p1', method: 'calling.play', params: { ...ids, control_id: 'ctl-1', play } })
    const played = { code: '200', message: 'Playing', call_id: record.callId, control_id: 'ctl-1' }
    assert.deepEqual((await c.next((f) => f.id === 'p1')).result, played)
    const playEvents = (await c.waitForEvents('calling.', 6)).slice(4)
    assert.deepEqual(playEvents, [
      { type: 'calling.call.play', params: { ...ids, control_id: 'ctl-1', state: 'playing' } },
      { type: 'calling.call.play', params: { ...ids, control_id: 'ctl-1', state: 'finished' } },
    ])
    assert.deepEqual(record.tts.map(({ text, language, gender }) => ({ text, language, gender })), [{ text: 'one', language: 'en-GB', gender: 'male' }])

    c.send({ id: 'e1', method: 'calling.end', params: { ...ids, reason: 'hangup' } })
    assert.deepEqual((await c.next((f) => f.id === 'e1')).result, { code: '200', message: 'Disconnecting call' })
    const endEvents = (await c.waitForEvents('calling.', 8)).slice(6)
    assert.deepEqual(endEvents, [
      { type: 'calling.call.state', params: state('ending') },
      { type: 'calling.call.state', params: { ...state('ended'), end_reason: 'hangup' } },
    ])

    c.send({ id: 'p2', method: 'calling.play', params: { ...ids, control_id: 'ctl-2', play } })
    c.send({ id: 'e2', method: 'calling.end', params: { ...ids, reason: 'hangup' } })
    for (const id of ['p2', 'e2']) {
      assert.deepEqual((await c.next((f) => f.id === id)).result, { code: '404', message: 'Call not found' })
    }
  })

  test('busy and no answer: ended (end_reason) then calling.call.dial failed (reason)', async () => {
    const c = await connected()
    dial(c, 'b1', 'tag-busy', `+1201555${BUSY}`)
    const busy = await c.waitForEvents('calling.', 3)
    assert.deepEqual(summary(busy), ['calling.call.state:created', 'calling.call.state:ended', 'calling.call.dial:failed'])
    assert.equal(busy[1]?.params.end_reason, 'busy')
    const record = await relay.waitForCallTo(`+1201555${BUSY}`)
    assert.deepEqual(busy[2]?.params, { node_id: record.nodeId, tag: 'tag-busy', dial_state: 'failed', reason: 'busy', source: 'outbound' })

    const d = await connected()
    dial(d, 'n1', 'tag-none', `+1201555${NO_ANSWER}`)
    const none = await d.waitForEvents('calling.', 4)
    assert.deepEqual(summary(none), [
      'calling.call.state:created',
      'calling.call.state:ringing',
      'calling.call.state:ended',
      'calling.call.dial:failed',
    ])
    assert.equal(none[2]?.params.end_reason, 'noAnswer')
    assert.equal(none[3]?.params.reason, 'noAnswer')
    assert.equal(none[3]?.params.tag, 'tag-none')
  })

  test('calling.end on a ringing call cancels it: ending, ended, then the dial fails with the hangup reason', async () => {
    const c = await connected()
    const to = '+12015550151'
    relay.setRingTime(5000, to)
    dial(c, 'r1', 'tag-ring', to)
    await c.waitForEvents('calling.', 2)
    const record = await relay.waitForCallTo(to)
    c.send({ id: 'r2', method: 'calling.end', params: { node_id: record.nodeId, call_id: record.callId, reason: 'cancel' } })
    const events = await c.waitForEvents('calling.', 5)
    assert.deepEqual(summary(events).slice(2), ['calling.call.state:ending', 'calling.call.state:ended', 'calling.call.dial:failed'])
    assert.equal(events[4]?.params.reason, 'cancel')
    assert.equal(record.clientHungUp, true)
    assert.equal(record.answeredAt, undefined)
  })

  test('malformed dial and play are answered with 400 and not recorded', async () => {
    const c = await connected()
    const before = relay.calls.length
    c.send({ id: 'x1', method: 'calling.dial', params: { tag: 't', devices: [] } })
    const reply = (await c.next((f) => f.id === 'x1')).result
    assert.ok(isRecord(reply) && reply.code === '400')
    assert.equal(relay.calls.length, before)
    dial(c, 'x2', 'tag-x', '+12015550152')
    await c.waitForEvents('calling.call.dial', 1)
    const record = await relay.waitForCallTo('+12015550152')
    c.send({ id: 'x3', method: 'calling.play', params: { node_id: record.nodeId, call_id: record.callId, control_id: 'c', play: [] } })
    const bad = (await c.next((f) => f.id === 'x3')).result
    assert.ok(isRecord(bad) && bad.code === '400')
    assert.deepEqual(record.tts, [])
  })
})

describe('concurrent dials on one client (RELAY.md §7.1)', () => {
  let relay: FakeRelay
  let client: SWClient

  beforeAll(async () => {
    relay = await startFakeRelay({ project: PROJECT, token: TOKEN })
    client = await connect(relay)
  })

  afterEach(() => relay.reset())

  afterAll(async () => {
    await client.disconnect()
    await relay.close()
  })

  test('naive: one busy number makes every dialPhone() in flight reject with its failure', async () => {
    relay.setRingTime(100)
    const [a, busy, c] = ['+12015550201', `+1201555${BUSY}`, '+12015550203']
    const log = new StateLog()
    const results = await withTimeout(
      Promise.all([a, busy, c].map((to) => outcome(client.voice.dialPhone({ to, from: FROM, timeout: 30, listen: log.listen(to) })))),
      5000,
      'three dials',
    )
    const busyCall = await relay.waitForCallEnded(busy)
    for (const result of results) {
      assert.equal(result.ok, false, 'every dial rejected')
      if (result.ok) continue
      assert.ok(isRecord(result.error))
      assert.equal(result.error.tag, busyCall.tag, 'with the busy dial’s failure')
      assert.equal(result.error.reason, 'busy')
    }
    // The two other callees did pick up, though no dialPhone() handed their Call to anyone.
    const [callA, callC] = await Promise.all([relay.waitForCallTo(a), relay.waitForCallTo(c)])
    await eventually(() => callA.state === 'answered' && callC.state === 'answered', 3000, 'both callees answer')
    await log.hangUpAll()
  })

  test('naive: two dials in flight both resolve with the first answered Call; the second code goes into the first call', async () => {
    relay.setRingTime(60)
    const [a, b] = ['+12015550211', '+12015550212']
    const log = new StateLog()
    const [callA, callB] = await withTimeout(
      Promise.all([a, b].map((to) => client.voice.dialPhone({ to, from: FROM, timeout: 30, listen: log.listen(to) }))),
      5000,
      'two dials',
    )
    assert.ok(callA !== undefined && callB !== undefined)
    assert.strictEqual(callB, callA, 'the same Call object')
    assert.equal(callB.to, a)
    await callA.playTTS({ text: 'code for A: 111111' })
    await callB.playTTS({ text: 'code for B: 222222' })
    const [recordA, recordB] = await Promise.all([relay.waitForCallTo(a), relay.waitForCallTo(b)])
    assert.deepEqual(texts(recordA), ['code for A: 111111', 'code for B: 222222'], 'B’s code was spoken to A')
    assert.deepEqual(texts(recordB), [])
    assert.equal(recordB.state, 'answered', 'B answered and waits in silence')
    assert.notStrictEqual(log.calls.get(b), callA, 'B’s own Call exists, but only the listener saw it')
    await log.hangUpAll()
  })

  test('dialOwnCall: three simultaneous calls, one busy: each code is spoken into its own call, the busy one rejects', async () => {
    const [a, busy, c] = ['+12015550221', `+1201555${BUSY}`, '+12015550223']
    relay.setRingTime(150)
    relay.setRingTime(60, c) // c answers before a: answers arrive out of dial order
    const codes = new Map([
      [a, '314159'],
      [busy, '271828'],
      [c, '161803'],
    ])
    const results = await withTimeout(
      Promise.all(
        [...codes].map(([to, code]) =>
          outcome(
            (async () => {
              const call = await dialOwnCall(client, { to, from: FROM, timeout: 30 })
              const spoken = await speak(call, { text: `Your code is ${code}` })
              await call.hangup()
              return { to: String(call.to), spoken }
            })(),
          ),
        ),
      ),
      10_000,
      'three calls',
    )
    const [resultA, resultBusy, resultC] = results
    assert.deepEqual(resultA, { ok: true, value: { to: a, spoken: 'finished' } })
    assert.deepEqual(resultC, { ok: true, value: { to: c, spoken: 'finished' } })
    assert.ok(resultBusy !== undefined && !resultBusy.ok)
    assert.ok(resultBusy.error instanceof DialFailedError)
    assert.equal(resultBusy.error.reason, 'busy')

    const [recordA, recordBusy, recordC] = await Promise.all([a, busy, c].map((to) => relay.waitForCallEnded(to)))
    assert.ok(recordA !== undefined && recordBusy !== undefined && recordC !== undefined)
    assert.deepEqual(texts(recordA), ['Your code is 314159'])
    assert.deepEqual(texts(recordC), ['Your code is 161803'])
    assert.deepEqual(texts(recordBusy), [])
    assert.equal(recordBusy.failReason, 'busy')
    assert.ok(recordA.clientHungUp && recordC.clientHungUp)
    // All three were dialled before either callee answered: they really were in flight together.
    const lastDial = Math.max(recordA.dialedAt, recordBusy.dialedAt, recordC.dialedAt)
    assert.ok(lastDial < Math.min(recordA.answeredAt ?? 0, recordC.answeredAt ?? 0), 'three dials in flight at once')
    assert.ok((recordC.answeredAt ?? 0) < (recordA.answeredAt ?? 0), 'c answered first')
  })

  test('dialOwnCall: when another call answers first, a later failure still rejects the right dial, reason unknown', async () => {
    const [a, none] = ['+12015550231', `+1201555${NO_ANSWER}`]
    relay.setRingTime(20, a)
    relay.setRingTime(200, none)
    const [resultA, resultNone] = await withTimeout(
      Promise.allSettled([a, none].map((to) => dialOwnCall(client, { to, from: FROM, timeout: 30 }))),
      5000,
      'two dials',
    )
    assert.ok(resultA?.status === 'fulfilled' && resultNone?.status === 'rejected')
    assert.equal(resultA.value.to, a)
    // a's answer settled the no-answer dial's dialPhone() too, so the SDK gave its failure event to nobody.
    assert.ok(resultNone.reason instanceof DialFailedError)
    assert.equal(resultNone.reason.reason, 'unknown')
    assert.equal((await relay.waitForCallEnded(none)).failReason, 'noAnswer')
    await resultA.value.hangup()
  })

  test('dialOwnCall: past its deadline it rejects and hangs up its own ringing call', async () => {
    const to = '+12015550241'
    relay.setRingTime(10_000, to)
    const result = await withTimeout(outcome(dialOwnCall(client, { to, from: FROM, timeout: 30 }, 200)), 5000, 'dial')
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.ok(result.error instanceof DialFailedError)
    assert.equal(result.error.reason, 'deadline')
    const record = await relay.waitForCallEnded(to)
    assert.equal(record.clientHungUp, true)
    assert.equal(record.answeredAt, undefined)
    assert.equal(record.failReason, 'hangup')
  })

  test('serialDialer (the alternative): correct too, but the ring phases run one after another', async () => {
    const [a, busy, c] = ['+12015550251', `+1201555${BUSY}`, '+12015550253']
    relay.setRingTime(40)
    // A client of its own: the queue is only safe if EVERY dial on the client goes through it and nothing else is
    // pending there (dialOwnCall's deadline above leaves its dialPhone() pending until the SDK sees that call end).
    const own = await connect(relay)
    const dial = serialDialer(own)
    const results = await withTimeout(
      Promise.all(
        [a, busy, c].map((to) =>
          outcome(
            (async () => {
              const call = await dial({ to, from: FROM, timeout: 30 })
              await speak(call, { text: `code for ${to}` })
              await call.hangup()
              return String(call.to)
            })(),
          ),
        ),
      ),
      10_000,
      'three calls',
    )
    await own.disconnect()
    const records = await Promise.all([a, busy, c].map((to) => relay.waitForCallEnded(to)))
    const [recordA, recordBusy, recordC] = records
    assert.ok(recordA !== undefined && recordBusy !== undefined && recordC !== undefined)
    assert.deepEqual(results[0], { ok: true, value: a })
    assert.deepEqual(results[2], { ok: true, value: c })
    const failed = results[1]
    assert.ok(failed !== undefined && !failed.ok && isRecord(failed.error))
    assert.equal(failed.error.reason, 'busy')
    assert.equal(failed.error.tag, recordBusy.tag)
    assert.deepEqual(texts(recordA), [`code for ${a}`])
    assert.deepEqual(texts(recordC), [`code for ${c}`])
    // The cost: each dial went out only once the one before it had been answered or had failed.
    assert.ok(recordBusy.dialedAt >= (recordA.answeredAt ?? Infinity), 'busy dialled after a answered')
    assert.ok(recordC.dialedAt >= (recordBusy.endedAt ?? Infinity), 'c dialled after busy failed')
  })
})
