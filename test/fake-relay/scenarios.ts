// How the fake relay answers one messaging.send or plays out one calling.dial, chosen by the destination number.

export type RelayScenario = 'ok' | 'reject400' | 'throttled' | 'undelivered' | 'failed' | 'noReceipt' | 'noReply' | 'drop' | 'rpcError'

export const RELAY_SCENARIOS: readonly RelayScenario[] = [
  'ok',
  'reject400',
  'throttled',
  'undelivered',
  'failed',
  'noReceipt',
  'noReply',
  'drop',
  'rpcError',
]

export function isRelayScenario(value: unknown): value is RelayScenario {
  return typeof value === 'string' && (RELAY_SCENARIOS as readonly string[]).includes(value)
}

// Keyed by the last four digits so that any valid-looking number (e.g. +12015550400) can pick one.
const BY_LAST_FOUR: Readonly<Record<string, RelayScenario>> = {
  '0400': 'reject400',
  '0429': 'throttled',
  '0001': 'undelivered',
  '0002': 'failed',
  '0777': 'noReceipt',
  '0999': 'noReply',
  '0500': 'drop',
  '0600': 'rpcError',
}

export function scenarioForNumber(toNumber: string, overrides: ReadonlyMap<string, RelayScenario>): RelayScenario {
  const override = overrides.get(toNumber)
  if (override !== undefined) return override
  const lastFour = toNumber.replace(/\D/g, '').slice(-4)
  return BY_LAST_FOUR[lastFour] ?? 'ok'
}

export type MessageState = 'queued' | 'initiated' | 'sent' | 'delivered' | 'undelivered' | 'failed'

export interface StateStep {
  state: MessageState
  reason?: string
}

/** The messaging.state sequence emitted after an accepted send; empty when the send is not accepted. */
export function stateSequence(scenario: RelayScenario): StateStep[] {
  switch (scenario) {
    case 'ok':
      return [{ state: 'queued' }, { state: 'initiated' }, { state: 'sent' }, { state: 'delivered' }]
    case 'undelivered':
      return [
        { state: 'queued' },
        { state: 'initiated' },
        { state: 'sent' },
        { state: 'undelivered', reason: 'Unreachable destination handset' },
      ]
    case 'failed':
      return [{ state: 'queued' }, { state: 'initiated' }, { state: 'failed', reason: 'Carrier rejected message' }]
    case 'noReceipt':
      // Accepted and handed on, then nothing: the handset never confirms (off, out of coverage, a carrier that drops receipts).
      return [{ state: 'queued' }, { state: 'initiated' }, { state: 'sent' }]
    default:
      return []
  }
}

/** Scenarios whose send is answered with a message_id. */
export function isAccepted(scenario: RelayScenario): boolean {
  return scenario === 'ok' || scenario === 'undelivered' || scenario === 'failed' || scenario === 'noReceipt'
}

// ── Voice ─────────────────────────────────────────────────────────────────────────────────────────────────────────
// How the fake relay plays out one calling.dial, chosen by the destination number (RELAY.md §7).

export type CallScenario = 'answered' | 'busy' | 'noAnswer' | 'hangupDuringPlay' | 'playError'

export const CALL_SCENARIOS: readonly CallScenario[] = ['answered', 'busy', 'noAnswer', 'hangupDuringPlay', 'playError']

export function isCallScenario(value: unknown): value is CallScenario {
  return typeof value === 'string' && (CALL_SCENARIOS as readonly string[]).includes(value)
}

// Mnemonics from the SIP codes (486 Busy Here, 408 Request Timeout, 487 Request Terminated, 415 Unsupported Media).
// These only apply to calling.dial, so they never change what an SMS to the same number does.
const CALL_BY_LAST_FOUR: Readonly<Record<string, CallScenario>> = {
  '0486': 'busy',
  '0408': 'noAnswer',
  '0487': 'hangupDuringPlay',
  '0415': 'playError',
}

export function callScenarioForNumber(toNumber: string, overrides: ReadonlyMap<string, CallScenario>): CallScenario {
  const override = overrides.get(toNumber)
  if (override !== undefined) return override
  const lastFour = toNumber.replace(/\D/g, '').slice(-4)
  return CALL_BY_LAST_FOUR[lastFour] ?? 'answered'
}
