// How the fake relay answers one messaging.send, chosen by the destination number.

export type RelayScenario = 'ok' | 'reject400' | 'undelivered' | 'failed' | 'noReply' | 'drop' | 'rpcError'

export const RELAY_SCENARIOS: readonly RelayScenario[] = [
  'ok',
  'reject400',
  'undelivered',
  'failed',
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
  '0001': 'undelivered',
  '0002': 'failed',
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
    default:
      return []
  }
}

/** Scenarios whose send is answered with a message_id. */
export function isAccepted(scenario: RelayScenario): boolean {
  return scenario === 'ok' || scenario === 'undelivered' || scenario === 'failed'
}
