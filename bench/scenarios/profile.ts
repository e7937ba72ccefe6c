import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { monotonicUs, readProfile, summarise, type ProfileSummary } from '../cpuprofile.js'
import type { BenchContext } from '../context.js'
import { createPending, discardQueued, harvestCodes, waitDelivered } from './common.js'
import { measure } from './http.js'

function profileIn(dir: string): string {
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (name === undefined) throw new Error(`no .cpuprofile in ${dir}`)
  return join(dir, name)
}

/**
 * A second API process under `node --cpu-prof`, loaded with POST /v1/verifications (no worker, so the API has the
 * machine to itself). The profile is written when it exits on SIGTERM; only the measured run's samples count
 * (not start-up, not the warm-up).
 */
export async function profileApi(ctx: BenchContext, root: string): Promise<ProfileSummary> {
  const dir = join(ctx.tmp, 'cpu-prof-api')
  await ctx.stack.stopWorker()
  const api = await ctx.stack.startExtraApi(['--cpu-prof', `--cpu-prof-dir=${dir}`])
  let window: { fromUs: number; toUs: number }
  try {
    await measure(ctx, 'profile warm-up', { kind: 'v1-create', url: api.url, duration: 2 })
    const fromUs = monotonicUs()
    await measure(ctx, 'profiled POST /v1/verifications', { kind: 'v1-create', url: api.url, duration: ctx.seconds })
    window = { fromUs, toUs: monotonicUs() }
  } finally {
    await api.process.stop('SIGTERM', 15_000)
  }
  await discardQueued(ctx)
  return summarise(readProfile(profileIn(dir)), root, window)
}

/** The worker under `node --cpu-prof` while it drains `count` queued verifications (API idle). */
export async function profileWorker(ctx: BenchContext, root: string, concurrency: number, count: number): Promise<ProfileSummary> {
  const dir = join(ctx.tmp, 'cpu-prof-worker')
  await ctx.stack.stopWorker()
  await ctx.stack.relay.reset()
  await createPending(ctx, count, 'worker profile')
  await ctx.stack.startWorker({ WORKER_CONCURRENCY: String(concurrency) }, ['--cpu-prof', `--cpu-prof-dir=${dir}`])
  const fromUs = monotonicUs()
  await harvestCodes(ctx, await waitDelivered(ctx, count, 180_000))
  const toUs = monotonicUs()
  await ctx.stack.stopWorker()
  return summarise(readProfile(profileIn(dir)), root, { fromUs, toUs })
}
