import { UnrecoverableError, type Worker } from 'bullmq'
import type { SendJob } from '../shared/jobs.js'
import type { WorkerMetrics } from '../shared/metrics.js'
import type { JobOutcome } from './processor.js'
import { SendFailure } from './senders/sender.js'

/** Counts what a worker (SMS or calls) did from BullMQ's own events, so the processor stays about sending. */
export function instrumentWorker(worker: Worker<SendJob, JobOutcome>, metrics: WorkerMetrics, channel: 'sms' | 'call' = 'sms'): void {
  worker.on('completed', (job, outcome) => {
    metrics.jobs.inc({ channel, outcome })
    if (outcome !== 'sent') return
    if (channel === 'call') {
      metrics.calls.inc({ outcome: 'spoken' })
      return
    }
    metrics.sends.inc({ outcome: 'accepted', error_code: '' })
    const finished = job.finishedOn ?? Date.now()
    metrics.timeToAccept.observe(Math.max(0, finished - job.data.queuedAt) / 1000)
  })
  worker.on('failed', (job, error) => {
    const final = error instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1))
    metrics.jobs.inc({ channel, outcome: final ? 'failed' : 'retry' })
    if (channel === 'call') metrics.calls.inc({ outcome: errorCode(error) })
    else metrics.sends.inc({ outcome: 'failed', error_code: errorCode(error) })
  })
}

function errorCode(error: Error): string {
  if (error instanceof SendFailure) return error.code
  // Permanent failures are rethrown as UnrecoverableError("<code>: <message>").
  if (error instanceof UnrecoverableError) return /^([a-z0-9_]+):/.exec(error.message)?.[1] ?? 'unrecoverable'
  return 'error'
}
