/** The Verification resource as API.md defines it, and the states it moves through. */

export const VERIFICATION_STATUSES = ['pending', 'approved', 'canceled', 'expired', 'max_attempts_reached'] as const
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number]

export const DELIVERY_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'skipped'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export interface DeliveryError {
  readonly code: string
  readonly message: string
}

export interface Delivery {
  readonly status: DeliveryStatus
  readonly updatedAt: string
  readonly messageId?: string
  readonly error?: DeliveryError
}

export const CHANNELS = ['sms', 'call'] as const
export type Channel = (typeof CHANNELS)[number]

export interface Verification {
  readonly id: string
  /** the service it belongs to (`VA…`) */
  readonly service: string
  readonly to: string
  /** how the latest code went out */
  readonly channel: Channel
  /** the language of its messages */
  readonly locale: string
  readonly status: VerificationStatus
  readonly sendAttempts: number
  readonly checkAttempts: number
  readonly maxCheckAttempts: number
  readonly createdAt: string
  readonly updatedAt: string
  readonly expiresAt: string
  readonly delivery: Delivery
}

export function isVerificationStatus(value: string): value is VerificationStatus {
  return (VERIFICATION_STATUSES as readonly string[]).includes(value)
}

export function isDeliveryStatus(value: string): value is DeliveryStatus {
  return (DELIVERY_STATUSES as readonly string[]).includes(value)
}
