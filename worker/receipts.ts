import { parseSendReference } from '../shared/jobs.js'
import type { Logger } from '../shared/logger.js'
import type { ServiceRef } from '../shared/services.js'
import type { VerificationStore } from '../shared/store/verification-store.js'
import type { DeliveryStatus } from '../shared/verification.js'
import type { WorkerMetrics } from '../shared/metrics.js'
import type { DeliveryReceipt } from './senders/sender.js'

const STATUS: Record<DeliveryReceipt['state'], DeliveryStatus> = {
  queued: 'sending',
  initiated: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
}

/**
 * Records RELAY `messaging.state` receipts on their verification. The send's tag names the verification and the
 * send attempt; a receipt without it is matched by number and provider message id instead.
 */
export function createReceiptRecorder(deps: {
  store: VerificationStore
  /** receipts without a reference are matched by number, in the default service */
  defaultService: ServiceRef
  logger: Logger
  metrics?: WorkerMetrics
  now?: () => number
  /** an SMS ended undelivered or failed: its fallback call, if it asked for one, goes now */
  fallbacks?: { promote(verificationId: string): Promise<void> }
  /** a delivery step was recorded: the webhooks' event */
  delivered?: (id: string, attempt: number | undefined, status: string, previous: string) => Promise<void>
}) {
  const { store, logger, metrics } = deps
  const now = deps.now ?? Date.now
  // Receipts of one message are recorded one after another, in the order RELAY sent them: run side by side, a
  // `delivered` could be written before its `sent`, and the webhooks would never hear `delivery.sent`.
  const inOrder = new Map<string, Promise<unknown>>()
  return function recordReceipt(receipt: DeliveryReceipt): Promise<boolean> {
    const key = receipt.messageId
    const previous = inOrder.get(key) ?? Promise.resolve()
    const next = previous.then(() => record(receipt), () => record(receipt))
    inOrder.set(key, next)
    void next.finally(() => {
      if (inOrder.get(key) === next) inOrder.delete(key)
    }).catch(() => undefined)
    return next
  }

  async function record(receipt: DeliveryReceipt): Promise<boolean> {
    metrics?.receipts.inc({ status: receipt.state })
    // queued and initiated say nothing the verification does not already show (`sending` since the worker took
    // it), and `sent` follows with the same message id: no Redis write for them.
    if (receipt.state === 'queued' || receipt.state === 'initiated') return false
    const status = STATUS[receipt.state]
    const error =
      receipt.state === 'undelivered' || receipt.state === 'failed'
        ? { code: receipt.state, message: receipt.reason ?? 'no reason given' }
        : undefined
    const sent = receipt.reference === undefined ? undefined : parseSendReference(receipt.reference)
    let recorded: { readonly createdAt: number; readonly previous: string } | undefined
    let id: string | undefined
    if (sent !== undefined) {
      id = sent.id
      recorded = await store.recordDelivery(sent.id, { status, attempt: sent.attempt, messageId: receipt.messageId, ...(error && { error }) })
    } else {
      id = await store.latestIdFor(receipt.to, deps.defaultService)
      if (id !== undefined) recorded = await store.recordDelivery(id, { status, messageId: receipt.messageId, strict: true, ...(error && { error }) })
    }
    if (recorded !== undefined && id !== undefined) await deps.delivered?.(id, sent?.attempt, status, recorded.previous)
    if (recorded !== undefined && error !== undefined && id !== undefined) {
      await deps.fallbacks?.promote(id).catch((err: unknown) => logger.warn({ err }, 'could not bring the fallback call forward'))
    }
    if (recorded !== undefined && receipt.state === 'delivered') {
      metrics?.timeToDelivery.observe(Math.max(0, now() - recorded.createdAt) / 1000)
    }
    logger.debug({ messageId: receipt.messageId, state: receipt.state, recorded: recorded !== undefined }, 'delivery receipt')
    return recorded !== undefined
  }
}
