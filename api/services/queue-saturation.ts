import type { Queue } from 'bullmq'
import type { Config } from '../../shared/config/index.js'
import type { SendJob } from '../../shared/jobs.js'

/** How stale the queue depth may be: one Redis round trip per interval per process, not per request. */
const REFRESH_MS = 500

/**
 * With a provider rate limit, a queue deeper than `rate × code TTL` holds codes that will expire before they are
 * sent. Refusing new ones (503 queue_saturated) is more honest than accepting them. The depth is read at most once
 * per interval and shared by every request of the process; no limit configured means never saturated.
 */
export function createQueueSaturation(deps: {
  readonly queue: Pick<Queue<SendJob>, 'getJobCountByTypes'>
  readonly config: Pick<Config, 'worker' | 'codes'>
  readonly now: () => number
}) {
  const rate = deps.config.worker.ratePerSecond
  const capacity = rate * deps.config.codes.ttlSeconds
  let depth = 0
  let readAt = -Infinity
  let reading: Promise<void> | undefined

  async function refresh(): Promise<void> {
    try {
      depth = await deps.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed')
      readAt = deps.now()
    } finally {
      reading = undefined
    }
  }

  return {
    capacity,
    async saturated(): Promise<boolean> {
      if (rate === 0) return false
      if (deps.now() - readAt >= REFRESH_MS) {
        reading ??= refresh()
        await reading
      }
      return depth >= capacity
    },
  }
}

export type QueueSaturation = ReturnType<typeof createQueueSaturation>
