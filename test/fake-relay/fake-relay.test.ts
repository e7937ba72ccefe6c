// The fake RELAY server exercised by the real, unmodified @signalwire/realtime-api v4 SDK (plus a raw ws client
// for protocol details the SDK hides). Run: npx vitest run test/fake-relay
import { afterAll, beforeAll, describe, test } from 'vitest'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { SignalWire } from '@signalwire/realtime-api'
import type { AuthError, Messaging, SWClient } from '@signalwire/realtime-api'
import { PROJECT, RawClient, TOKEN, eventually, innerParams, isRecord, outcome, withTimeout } from './harness.js'
import { startFakeRelay, type FakeRelay } from './server.js'

type Message = Messaging.Message

const FROM = '+12015550100'

function connectSdk(relay: FakeRelay, token = TOKEN, onAuthError?: (error: AuthError) => void): Promise<SWClient> {
  return SignalWire({
    project: PROJECT,
    token,
    host: relay.url,
    logLevel: 'silent',
    ...(onAuthError === undefined ? {} : { listen: { onAuthError } }),
  })
}

describe('fake relay with the real SDK', () => {
  let relay: FakeRelay
  let client: SWClient
  const updates = new Map<string, Message[]>()
  const extraClients: SWClient[] = []

  function statesOf(id: string): Message[] {
    return updates.get(id) ?? []
  }

  async function finalStates(id: string, last: string): Promise<Message[]> {
    await eventually(() => statesOf(id).some((m) => m.state === last), 3000, `state ${last} for ${id}`)
    return statesOf(id)
  }

  beforeAll(async () => {
    relay = await startFakeRelay({ project: PROJECT, token: TOKEN })
    client = await withTimeout(connectSdk(relay), 5000, 'SDK connect')
    await client.messaging.listen({
      topics: ['otp'],
      onMessageUpdated: (message) => {
        const seen = updates.get(message.id) ?? []
        seen.push(message)
        updates.set(message.id, seen)
      },
    })
  })

  afterAll(async () => {
    await client.disconnect()
    for (const extra of extraClients) await extra.disconnect()
    await relay.close()
  })

  test('connect succeeds and send resolves with a messageId the relay recorded', async () => {
    assert.equal(client.authStatus, 'authorized')
    const to = '+12015550123'
    const result: unknown = await client.messaging.send({ from: FROM, to, body: 'Your code is 123456', context: 'otp', tags: ['otp'] })
    assert.ok(isRecord(result))
    assert.equal(result.code, '200')
    assert.equal(result.message, 'Message accepted')
    assert.equal(typeof result.messageId, 'string')

    const recorded = await relay.waitForMessageTo(to)
    assert.equal(recorded.messageId, result.messageId)
    assert.equal(recorded.from, FROM)
    assert.equal(recorded.body, 'Your code is 123456')
    assert.equal(recorded.context, 'otp')
    assert.deepEqual(recorded.tags, ['otp'])
    assert.equal(recorded.scenario, 'ok')
    assert.ok(Math.abs(Date.now() - recorded.receivedAt) < 5000)
  })

  test('listen(otp) sees queued → initiated → sent → delivered', async () => {
    const result: unknown = await client.messaging.send({ from: FROM, to: '+12015550124', body: 'code 1', context: 'otp' })
    assert.ok(isRecord(result) && typeof result.messageId === 'string')
    const states = await finalStates(result.messageId, 'delivered')
    assert.deepEqual(
      states.map((m) => m.state),
      ['queued', 'initiated', 'sent', 'delivered'],
    )
    const last = states.at(-1)
    assert.equal(last?.to, '+12015550124')
    assert.equal(last?.from, FROM)
    assert.equal(last?.body, 'code 1')
    assert.equal(last?.context, 'otp')
    assert.equal(last?.direction, 'outbound')
    assert.equal(last?.reason, undefined)
  })

  test('undelivered and failed sequences carry a reason', async () => {
    const undelivered: unknown = await client.messaging.send({ from: FROM, to: '+12015550001', body: 'u', context: 'otp' })
    const failed: unknown = await client.messaging.send({ from: FROM, to: '+12015550002', body: 'f', context: 'otp' })
    assert.ok(isRecord(undelivered) && typeof undelivered.messageId === 'string')
    assert.ok(isRecord(failed) && typeof failed.messageId === 'string')

    const u = await finalStates(undelivered.messageId, 'undelivered')
    assert.deepEqual(
      u.map((m) => m.state),
      ['queued', 'initiated', 'sent', 'undelivered'],
    )
    assert.equal(typeof u.at(-1)?.reason, 'string')
    assert.notEqual(u.at(-1)?.reason, '')

    const f = await finalStates(failed.messageId, 'failed')
    assert.deepEqual(
      f.map((m) => m.state),
      ['queued', 'initiated', 'failed'],
    )
    assert.equal(typeof f.at(-1)?.reason, 'string')
    assert.notEqual(f.at(-1)?.reason, '')
  })

  test('a send without context produces no update on the otp listener', async () => {
    const before = updates.size
    const result: unknown = await client.messaging.send({ from: FROM, to: '+12015550125', body: 'no context' })
    assert.ok(isRecord(result) && typeof result.messageId === 'string')
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal(updates.size, before)
    assert.equal(statesOf(result.messageId).length, 0)
  })

  test('0400 rejects with the plain result object, not an Error', async () => {
    const res = await outcome(client.messaging.send({ from: FROM, to: '+12015550400', body: 'x', context: 'otp' }))
    assert.equal(res.ok, false)
    if (res.ok) return
    assert.ok(!(res.error instanceof Error))
    assert.deepEqual(res.error, { code: '400', message: 'Bad request' })
    const recorded = await relay.waitForMessageTo('+12015550400')
    assert.equal(recorded.scenario, 'reject400')
    assert.equal(recorded.messageId, '')
  })

  test('0600 rejects with the JSON-RPC error object', async () => {
    const res = await outcome(client.messaging.send({ from: FROM, to: '+12015550600', body: 'x' }))
    assert.equal(res.ok, false)
    if (res.ok) return
    assert.ok(!(res.error instanceof Error))
    assert.deepEqual(res.error, { code: -32603, message: 'Internal error' })
  })

  test('setScenario overrides the number and setSendDelay delays the answer', async () => {
    relay.setScenario('+12015550126', 'reject400')
    const rejected = await outcome(client.messaging.send({ from: FROM, to: '+12015550126', body: 'x' }))
    assert.equal(rejected.ok, false)

    relay.setSendDelay(300)
    const started = Date.now()
    const delayed = await outcome(client.messaging.send({ from: FROM, to: '+12015550127', body: 'x' }))
    const elapsed = Date.now() - started
    relay.setSendDelay(0)
    assert.equal(delayed.ok, true)
    assert.ok(elapsed >= 280, `answered after ${elapsed} ms`)
  })

  test('bad credentials: SignalWire() resolves, onAuthError fires, the relay closes the socket', async () => {
    const connectsBefore = relay.connectCount
    const connectionsBefore = relay.connections
    let authError: AuthError | undefined
    // Not disconnected afterwards: RELAY.md §3.3 says disconnect() on this client can crash the process.
    const bad = await withTimeout(
      connectSdk(relay, 'wrong-token', (error) => {
        authError = error
      }),
      5000,
      'SDK connect with bad token',
    )
    // Only a wrongly *authorized* client is safe (and needed, for a clean exit) to disconnect.
    if (bad.authStatus === 'authorized') extraClients.push(bad)
    await eventually(() => authError !== undefined, 2000, 'onAuthError')
    assert.equal(bad.authStatus, 'unauthorized')
    assert.equal(authError?.code, -32002)
    assert.equal(relay.connectCount, connectsBefore + 1)
    await eventually(() => relay.connections === connectionsBefore, 2000, 'relay closes the unauthorized socket')
  })

  test('0500 drops the socket and the send rejects with a Symbol', async () => {
    const dropped = await withTimeout(connectSdk(relay), 5000, 'SDK connect')
    extraClients.push(dropped)
    const res = await outcome(dropped.messaging.send({ from: FROM, to: '+12015550500', body: 'x' }))
    assert.equal(res.ok, false)
    if (res.ok) return
    assert.equal(typeof res.error, 'symbol')
    assert.equal((await relay.waitForMessageTo('+12015550500')).scenario, 'drop')
  })

  test('stop() ends every socket; after start() on the same port a new send arrives', async () => {
    const resilient = await withTimeout(connectSdk(relay), 5000, 'SDK connect')
    extraClients.push(resilient)
    const port = relay.port
    const connectsBefore = relay.connectCount

    await withTimeout(relay.stop(), 3000, 'relay.stop()')
    assert.equal(relay.connections, 0)
    assert.equal((await outcome(fetch(`http://127.0.0.1:${port}/__relay/health`))).ok, false)

    await new Promise((resolve) => setTimeout(resolve, 300))
    await relay.start()
    assert.equal(relay.port, port)

    const to = '+12015550128'
    const sent = await withTimeout(
      outcome(resilient.messaging.send({ from: FROM, to, body: 'after outage' })),
      10_000,
      'send after restart',
    )
    assert.equal(sent.ok, true, `send after restart: ${JSON.stringify(sent)}`)
    assert.equal((await relay.waitForMessageTo(to, 1000)).body, 'after outage')
    assert.ok(relay.connectCount > connectsBefore, 'the SDK re-sent signalwire.connect')
  })
})

describe('fake relay protocol details (raw WebSocket)', () => {
  let relay: FakeRelay
  const raws: RawClient[] = []

  async function raw(): Promise<RawClient> {
    const c = await RawClient.open(relay.url)
    raws.push(c)
    return c
  }

  beforeAll(async () => {
    relay = await startFakeRelay({ project: PROJECT, token: TOKEN, pingIntervalMs: 50 })
  })

  afterAll(async () => {
    for (const c of raws) c.close()
    await relay.close()
  })

  test('connect result, unknown method, requests before connect, acks and pings', async () => {
    const c = await raw()
    c.send({ id: 'early', method: 'messaging.send', params: { to_number: '+12015550129' } })
    const early = await c.next((f) => f.id === 'early')
    assert.ok(isRecord(early.error) && early.error.code === -32002)

    const connected = await c.connect()
    assert.ok(isRecord(connected.result))
    assert.match(String(connected.result.protocol), /^signalwire_/)

    c.send({ id: 'ack-only', result: {} })
    c.send({ id: 'nope', method: 'calling.record', params: {} })
    const unknown = await c.next((f) => f.id === 'nope')
    assert.ok(isRecord(unknown.error) && unknown.error.code === -32601)
    assert.equal(
      c.frames.some((f) => f.id === 'ack-only'),
      false,
    )

    const ping = await c.next((f) => f.method === 'signalwire.ping')
    assert.ok(isRecord(ping.params) && typeof ping.params.timestamp === 'number')
    assert.equal(relay.messages.length, 0, 'a send before connect is not recorded')
  })

  test('events for a send without context use the connection protocol as inner context', async () => {
    const c = await raw()
    const connected = await c.connect()
    assert.ok(isRecord(connected.result))
    const protocol = connected.result.protocol
    c.send({
      id: 's1',
      method: 'messaging.send',
      params: { from_number: FROM, to_number: '+12015550130', body: 'hi', tags: ['t'] },
    })
    const reply = await c.next((f) => f.id === 's1')
    assert.ok(isRecord(reply.result))
    const messageId = reply.result.message_id
    const delivered = await c.next((f) => f.method === 'signalwire.event' && innerParams(f).message_state === 'delivered')
    assert.deepEqual(innerParams(delivered), {
      message_id: messageId,
      context: protocol,
      direction: 'outbound',
      tags: ['t'],
      from_number: FROM,
      to_number: '+12015550130',
      body: 'hi',
      media: [],
      segments: 1,
      message_state: 'delivered',
    })
    assert.ok(isRecord(delivered.params) && delivered.params.event_type === 'messaging.state')
  })

  test('0999 is never answered but is recorded', async () => {
    const c = await raw()
    await c.connect()
    c.send({ id: 'silent', method: 'messaging.send', params: { from_number: FROM, to_number: '+12015550999' } })
    const recorded = await relay.waitForMessageTo('+12015550999', 1000)
    assert.equal(recorded.scenario, 'noReply')
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.equal(
      c.frames.some((f) => f.id === 'silent'),
      false,
    )
  })

  test('waitForMessages rejects with a clear error on timeout', async () => {
    await assert.rejects(relay.waitForMessages(1000, 50), /timed out after 50 ms waiting for 1000 message/)
  })

  test('HTTP control API: health, scenario (literal +), delay, messages, reset', async () => {
    const base = `http://127.0.0.1:${relay.port}/__relay`
    assert.deepEqual(await (await fetch(`${base}/health`)).json(), { ok: true })

    const scenario = await fetch(`${base}/scenario?to=+12015550131&scenario=failed`, { method: 'POST' })
    assert.equal(scenario.status, 200)
    const bad = await fetch(`${base}/scenario?to=+12015550131&scenario=nonsense`, { method: 'POST' })
    assert.equal(bad.status, 400)
    assert.equal((await fetch(`${base}/delay?ms=200`, { method: 'POST' })).status, 200)

    const c = await raw()
    await c.connect()
    const started = Date.now()
    c.send({ id: 'h1', method: 'messaging.send', params: { from_number: FROM, to_number: '+12015550131' } })
    await c.next((f) => f.id === 'h1')
    assert.ok(Date.now() - started >= 180, 'delay applied')
    const failed = await c.next((f) => f.method === 'signalwire.event' && innerParams(f).message_state === 'failed')
    assert.equal(typeof innerParams(failed).reason, 'string')

    const listed: unknown = await (await fetch(`${base}/messages`)).json()
    assert.ok(Array.isArray(listed))
    const last: unknown = listed.at(-1)
    assert.ok(isRecord(last))
    assert.equal(last.to, '+12015550131')
    assert.equal(last.scenario, 'failed')

    assert.equal((await fetch(`${base}/reset`, { method: 'POST' })).status, 200)
    assert.deepEqual(await (await fetch(`${base}/messages`)).json(), [])
    assert.equal(relay.messages.length, 0)
  })
})

test('CLI prints one JSON line with the port and exits on SIGTERM', async () => {
  const args = ['--import', 'tsx', 'test/fake-relay/main.ts', '--port', '0', '--ring-ms', '10', '--playback-ms', '10']
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  try {
    const lines = createInterface({ input: child.stdout })
    const lineEvent: unknown[] = await withTimeout(once(lines, 'line'), 15_000, 'CLI ready line')
    const ready: unknown = JSON.parse(String(lineEvent[0]))
    assert.ok(isRecord(ready) && typeof ready.port === 'number')
    assert.equal(ready.url, `ws://127.0.0.1:${ready.port}`)
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${ready.port}/__relay/health`)).json(), { ok: true })
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${ready.port}/__relay/calls`)).json(), [])
    child.kill('SIGTERM')
    const exitEvent: unknown[] = await withTimeout(once(child, 'exit'), 5000, 'CLI exit')
    assert.equal(exitEvent[0], 0)
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
})
