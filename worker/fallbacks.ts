import type { Queue } from 'bullmq'
import { fallbackJobId, type SendJob } from '../shared/jobs.js'

/**
 * The fallback calls SMS asked for (`fallback: "call"`). The API queues each one delayed by
 * CALL_FALLBACK_AFTER_SECONDS; an SMS that ends undelivered or failed brings it forward, so the call comes at once.
 * Whether it is still wanted (pending, not delivered) is the claim step's decision when it runs, not this one's.
 */
export function createFallbacks(callQueue: Pick<Queue<SendJob>, 'getJob'>) {
  return {
    async promote(verificationId: string): Promise<void> {
      const job = await callQueue.getJob(fallbackJobId(verificationId))
      if (job === undefined || !(await job.isDelayed())) return
      // It may start on its own between the two calls: then there is nothing left to bring forward.
      await job.promote().catch(() => undefined)
    },
  }
}

export type Fallbacks = ReturnType<typeof createFallbacks>
