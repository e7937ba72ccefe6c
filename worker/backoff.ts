import type { BackoffStrategy } from 'bullmq'
import { SEND_BACKOFF_TYPE } from '../shared/jobs.js'
import { SendFailure } from './senders/sender.js'

/** Past this delay a code is usually close to expiry anyway; the claim step drops expired sends. */
const MAX_DELAY_MS = 60_000
/**
 * After an unknown outcome the SDK may still deliver the message once it reconnects (1–4 s), and its receipt then
 * marks the attempt as sent. Waiting longer than that before retrying avoids most duplicates.
 */
const UNKNOWN_OUTCOME_DELAY_MS = 6_000

/** 1 s, 2 s, 4 s … capped, ±30 % jitter so a provider outage does not end in a thundering herd. */
export const sendBackoff: BackoffStrategy = (attemptsMade, type, err) => {
  if (type !== SEND_BACKOFF_TYPE) return 1_000
  const base = Math.min(1_000 * 2 ** Math.max(0, attemptsMade - 1), MAX_DELAY_MS)
  const jittered = Math.min(Math.round(base * (0.7 + Math.random() * 0.6)), MAX_DELAY_MS)
  if (err instanceof SendFailure && err.kind === 'unknown') return Math.max(jittered, UNKNOWN_OUTCOME_DELAY_MS)
  return jittered
}
