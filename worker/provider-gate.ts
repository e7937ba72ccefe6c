import type { Worker } from 'bullmq'
import type { Logger } from '../shared/logger.js'

/**
 * Takes jobs only while the provider connection is up.
 *
 * While RELAY is down a job cannot be sent. Without this gate every queued job would be fetched, claimed, refused by
 * the sender and put back every second or two: work for the worker and for Redis that grows with the backlog and
 * competes with the API for the shared Redis (the bench's "relay down" row compares API p99 with a healthy relay). Paused, the
 * worker leaves the backlog waiting in the queue, and only the jobs that were in flight when the connection dropped
 * go back, once. Local to this process: other workers with a live connection keep sending.
 *
 * The connection state may change before the worker exists (during boot) and after it closes; both are fine.
 */
export function createProviderGate(deps: { readonly logger: Logger; readonly onChange?: (connected: boolean) => void }) {
  let connected = true
  const workers: Worker[] = []
  let closing = false

  function apply(): void {
    if (closing) return
    for (const worker of workers) {
      if (!connected && !worker.isPaused()) {
        // true: do not wait for the jobs in flight; they finish on their own (put back as not connected).
        worker.pause(true).catch((err: unknown) => deps.logger.warn({ err }, 'could not pause the worker'))
        deps.logger.warn({ queue: worker.name }, 'provider connection down: taking no jobs until it is back')
      } else if (connected && worker.isPaused()) {
        worker.resume()
        deps.logger.info({ queue: worker.name }, 'provider connection back: taking jobs again')
      }
    }
  }

  return {
    /** a worker to pause and resume (the SMS one, the call one); applies the current state at once */
    attach(target: Worker): void {
      workers.push(target)
      apply()
    },
    /** call before closing the worker, so a reconnection does not restart it */
    detach(): void {
      closing = true
    },
    set(up: boolean): void {
      if (up === connected) return
      connected = up
      deps.onChange?.(up)
      apply()
    },
    get connected(): boolean {
      return connected
    },
  }
}

export type ProviderGate = ReturnType<typeof createProviderGate>
