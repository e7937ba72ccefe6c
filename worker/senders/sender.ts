import { redactProviderText } from '../../shared/phone.js'

/** What the worker asks of an SMS provider, and how a provider says what went wrong. */

export interface OutgoingSms {
  readonly to: string
  readonly body: string
  /** the send job's id: tagged on the message so its receipts find their way back */
  readonly reference: string
  /** the sender number the request asked for (SignalWire MFA's `from`, one of SIGNALWIRE_NUMBER); else the pool's */
  readonly from?: string
}

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
