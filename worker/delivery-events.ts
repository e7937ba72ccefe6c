import { deliveryEvent, type EventEmitter } from '../shared/events.js'
import type { Logger } from '../shared/logger.js'
import type { VerificationStore } from '../shared/store/verification-store.js'

/**
 * A delivery step was recorded on a verification: the application's webhooks hear of it (delivery.sent, …
 * .delivered, .undelivered, .failed), once per send attempt and state. A message delivered without a `sent` receipt
 * before (receipts get lost, or come together) was sent all the same: `delivery.sent` goes out first. Without
 * receivers it costs nothing.
 */
export function createDeliveryEvents(deps: { readonly store: Pick<VerificationStore, 'get'>; readonly events: EventEmitter | undefined; readonly logger: Logger }) {
  return async function recorded(id: string, attempt: number | undefined, status: string, previous: string): Promise<void> {
    const type = deliveryEvent(status)
    if (type === undefined || deps.events?.active !== true) return
    try {
      const verification = await deps.store.get(id)
      if (verification === undefined) return
      const send = attempt ?? verification.sendAttempts
      if (status === 'delivered' && (previous === 'queued' || previous === 'sending')) await deps.events.emit('delivery.sent', verification, `${id}.${send}.sent`)
      await deps.events.emit(type, verification, `${id}.${send}.${status}`)
    } catch (err) {
      deps.logger.warn({ err, verificationId: id, type }, 'could not queue the delivery event')
    }
  }
}

export type DeliveryEvents = ReturnType<typeof createDeliveryEvents>
