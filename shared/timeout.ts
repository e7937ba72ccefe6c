/**
 * The one way this project bounds a wait. Every outside call that could hang (Redis, the queue, the provider, a
 * shutdown step) goes through one of these two.
 */

export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

/**
 * `promise`, or a rejection once `ms` have passed: a `TimeoutError`, or what `onTimeout` makes. The timer is
 * cleared either way; the promise itself is not cancelled (nothing here can cancel it).
 *
 * @example await withTimeout(queue.add(...), 900)
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error = () => new TimeoutError(`timed out after ${ms} ms`)): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Waits for `promise` to settle or for `ms` to pass, whichever is first, and never rejects: for steps whose outcome
 * does not matter once time is up (closing connections, health probes).
 *
 * @example const ok = await settleWithin(redis.ping().then(() => true), 1_000, false)
 */
export async function settleWithin<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T>
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void>
export async function settleWithin<T>(promise: Promise<T>, ms: number, fallback?: T): Promise<T | undefined> {
  try {
    return await withTimeout(promise, ms)
  } catch {
    return fallback
  }
}
