import { redactProviderText } from '../../shared/phone.js'

/** What the worker asks of a provider (an SMS, a call), and how a provider says what went wrong. */

export interface OutgoingSms {
  readonly to: string
  readonly body: string
  /** the send job's id: tagged on the message so its receipts find their way back */
  readonly reference: string
  /** the sender number the request asked for (SignalWire MFA's `from`, one of SIGNALWIRE_NUMBER); else the pool's */
  readonly from?: string
}

/** A call that speaks a code. */
export interface OutgoingCall {
  readonly to: string
  /** what the call says, the code spelled out in it, twice */
  readonly text: string
  /** RELAY's text-to-speech language for it, e.g. es-ES */
  readonly language: string
  /** the send job's id, for the logs */
  readonly reference: string
  /** the sender number the request asked for (SignalWire MFA's `from`); else the pool's */
  readonly from?: string
}

/** Told while a call goes on, so the verification shows how far it got. */
export interface CallProgress {
  /** the callee picked up; `callId` is the provider's id of the call */
  answered(callId: string): Promise<void>
}

/**
 * Why a call did not speak its code to the end, as SendFailure codes. `busy` and `no_answer`: nobody was reached
 * (the delivery is `undelivered`); the others are `failed`. Every one is permanent for its job: placing the call again
 * on our own could ring a phone twice.
 */
export const CALL_UNREACHED = ['busy', 'no_answer'] as const

export interface SendAccepted {
  readonly messageId: string
  /** where the provider's acceptance leaves the delivery: `sending` until receipts say more, or `sent` */
  readonly status: 'sending' | 'sent'
}

/** A RELAY `messaging.state`, reduced to what the verification records. */
export interface DeliveryReceipt {
  readonly messageId: string
  readonly state: 'queued' | 'initiated' | 'sent' | 'delivered' | 'undelivered' | 'failed'
  readonly to: string
  readonly reference: string | undefined
  readonly reason: string | undefined
}

export interface Sender {
  readonly name: 'console' | 'signalwire'
  /** Sends one SMS or throws SendFailure; never takes longer than `timeoutMs`. */
  send(sms: OutgoingSms, timeoutMs: number): Promise<SendAccepted>
  /**
   * Places one call and speaks its text; resolves with the call's id once the text was spoken to the end, throws
   * SendFailure otherwise (see CALL_UNREACHED). Rings, speaks and hangs up within a bounded time of its own.
   */
  call(call: OutgoingCall, progress: CallProgress): Promise<{ readonly callId: string }>
  close(): Promise<void>
}

/**
 * - `permanent`: the provider refused this message and would refuse it again (invalid or unreachable number).
 * - `transient`: the provider did not take it (server error, throttled); sending again is safe.
 * - `unknown`: we cannot tell whether it went out (timeout, socket dropped mid-request). Sending again may
 *   duplicate it, so the worker waits for a receipt before retrying.
 */
export type FailureKind = 'permanent' | 'transient' | 'unknown'

/**
 * The code of a transient failure that means "the provider connection is down, nothing was handed to it": the
 * processor then puts the job back for later without spending one of its attempts.
 */
export const NOT_CONNECTED = 'not_connected'

export class SendFailure extends Error {
  override name = 'SendFailure'

  constructor(
    readonly kind: FailureKind,
    /** short, stable, loggable: e.g. `provider_400`, `timeout`, `connection_closed` */
    readonly code: string,
    /** the provider's words, which may echo the number: kept short, digit runs masked, before anything logs them */
    message: string,
  ) {
    super(redactProviderText(message))
  }
}
