import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { SendFailure, type FailureKind } from '../../worker/senders/sender.js'
import { classifyRejection } from '../../worker/senders/signalwire-errors.js'

function expectFailure(reason: unknown, kind: FailureKind, code?: string): SendFailure {
  const failure = classifyRejection(reason)
  assert.ok(failure instanceof SendFailure)
  assert.ok(failure instanceof Error)
  assert.equal(failure.kind, kind)
  if (code !== undefined) assert.equal(failure.code, code)
  return failure
}

describe('classifyRejection: RELAY results (plain objects with a string code)', () => {
  test("{code:'400'} is permanent provider_400 and keeps the message", () => {
    const failure = expectFailure({ code: '400', message: 'Bad request' }, 'permanent', 'provider_400')
    assert.equal(failure.message, 'Bad request')
  })

  test('other 4xx codes are permanent too', () => {
    expectFailure({ code: '404', message: 'Not found' }, 'permanent', 'provider_404')
    expectFailure({ code: '422', message: 'Invalid to' }, 'permanent', 'provider_422')
  })

  test("{code:'429'} (throttled) is transient", () => {
    expectFailure({ code: '429' }, 'transient', 'provider_429')
    expectFailure({ code: '429', message: 'Too many requests' }, 'transient', 'provider_429')
  })

  test("{code:'500'} and other 5xx are transient", () => {
    expectFailure({ code: '500' }, 'transient', 'provider_500')
    expectFailure({ code: '503', message: 'Unavailable' }, 'transient', 'provider_503')
  })

  test('a numeric code is read like its string', () => {
    expectFailure({ code: 400, message: 'Bad request' }, 'permanent', 'provider_400')
    expectFailure({ code: 500 }, 'transient', 'provider_500')
  })

  test('a missing message gets a non-empty default', () => {
    assert.ok(expectFailure({ code: '400' }, 'permanent', 'provider_400').message.length > 0)
  })

  test('a very long message is cut', () => {
    const failure = expectFailure({ code: '400', message: 'x'.repeat(10_000) }, 'permanent')
    assert.ok(failure.message.length <= 200)
  })

  test("{code:'400', message:'The SDK is disconnected'} (our client closed) is transient", () => {
    expectFailure({ code: '400', message: 'The SDK is disconnected' }, 'transient', 'client_closed')
  })

  test('an unexpected code is not permanent', () => {
    for (const code of ['', 'weird', '4000', '40', '600']) {
      assert.notEqual(classifyRejection({ code, message: 'm' }).kind, 'permanent', code)
    }
  })
})

describe('classifyRejection: JSON-RPC errors', () => {
  test('{code:-32603} is transient', () => {
    expectFailure({ code: -32603, message: 'Internal error' }, 'transient', 'rpc_32603')
  })

  test('other -32xxx codes are transient', () => {
    expectFailure({ code: -32000, message: 'Server error' }, 'transient')
    expectFailure({ code: '-32601', message: 'Method not found' }, 'transient')
  })
})

describe('classifyRejection: outcome unknown', () => {
  test('the connection-closed Symbol is unknown connection_closed', () => {
    expectFailure(Symbol('sw-execute-connection-closed'), 'unknown', 'connection_closed')
    expectFailure(Symbol(), 'unknown', 'connection_closed')
  })

  test("the SDK's timeout TypeError is unknown", () => {
    expectFailure(new TypeError('Cannot convert undefined or null to object'), 'unknown')
  })

  test('an arbitrary Error is unknown', () => {
    const failure = expectFailure(new Error('socket hang up'), 'unknown')
    assert.equal(failure.message, 'socket hang up')
    expectFailure(new RangeError('boom'), 'unknown')
  })

  // An Error that carries a Node-style `code` (a socket reset mid-request) says nothing about whether SignalWire took
  // the message. FAILS against worker/senders/signalwire-errors.ts: any object with `code` is read as a RELAY result
  // before the `instanceof Error` check, so this becomes transient `provider_error` (retried at once).
  test('an Error with a Node-style code (ECONNRESET) is unknown, not transient', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    expectFailure(reset, 'unknown')
  })

  test('undefined, null, strings and numbers are unknown', () => {
    for (const reason of [undefined, null, 'boom', '', 42, true, {}, []]) {
      expectFailure(reason, 'unknown')
    }
  })
})
