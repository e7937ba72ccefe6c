import type { BenchContext } from '../context.js'
import type { LoadResult } from '../load-spec.js'
import type { RelayMessage } from '../relay-client.js'
import { codeIn } from '../relay-client.js'
import { sleep } from '../processes.js'
import { measure } from './http.js'

const CODE_LENGTH = 6

/** Jobs not yet finished: waiting, delayed (retries), prioritized or active. */
export async function unfinishedJobs(ctx: BenchContext): Promise<number> {
  const counts = await ctx.queue.getJobCounts('waiting', 'delayed', 'prioritized', 'active', 'waiting-children')
  return Object.values(counts).reduce((a, b) => a + b, 0)
}

/** Queues `count` verifications through the API (as fast as it answers), with no worker taking them. */
export async function createPending(ctx: BenchContext, count: number, label: string): Promise<LoadResult> {
  const { result } = await measure(ctx, `${label}: create ${count}`, { kind: 'v1-create', url: ctx.stack.apiUrl, amount: count })
  if ((result.statuses['201'] ?? 0) !== count) throw new Error(`${label}: wanted ${count} verifications, got ${JSON.stringify(result.statuses)}`)
  return result
}

/** Waits until the queue holds nothing unfinished and the relay has `count` messages; returns them. */
export async function waitDelivered(ctx: BenchContext, count: number, timeoutMs: number): Promise<RelayMessage[]> {
  const deadline = Date.now() + timeoutMs
  while ((await unfinishedJobs(ctx)) > 0) {
    if (Date.now() > deadline) throw new Error(`queue not drained within ${timeoutMs} ms (${await unfinishedJobs(ctx)} jobs left)`)
    await sleep(100)
  }
  // The last sends' answers may still be on their way to the relay's list.
  return ctx.stack.relay.waitForCount(count, 5_000)
}

/** Remembers the code of every SMS the relay received (the latest per number), then empties the relay's list. */
export async function harvestCodes(ctx: BenchContext, messages?: readonly RelayMessage[]): Promise<void> {
  for (const m of messages ?? (await ctx.stack.relay.messages())) {
    const code = codeIn(m.body, CODE_LENGTH)
    if (code !== undefined) ctx.codes.set(m.to, code)
  }
  await ctx.stack.relay.reset()
}

/**
 * Stops the worker and drops every job still in the queue, active and retrying ones included: a scenario's
 * leftovers must not be the next one's work. (obliterate also deletes the queue's meta, which un-pauses it.)
 */
export async function discardQueued(ctx: BenchContext): Promise<void> {
  await ctx.stack.stopWorker()
  await ctx.queue.obliterate({ force: true })
}
