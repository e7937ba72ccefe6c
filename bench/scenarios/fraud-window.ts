import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import type { MetricRow } from '../context.js'
import { startPrivateRedis } from '../private-redis.js'
import type { ProcessGroup } from '../processes.js'
import { round } from '../stats.js'

const HOUR_MS = 3_600_000
const BUCKET_MS = HOUR_MS / 60
const CALLS = 20_000

/**
 * What the fraud guard's judge step (api/fraud/judge-send.lua) costs Redis on a busy prefix: its window holding an
 * hour of traffic (60 buckets of sends, approvals and other ends), as a prefix with steady real users has in
 * production. The request rows cannot show it: a bench run is too short to fill a window. Measured on a
 * redis-server of its own, from Redis's own CPU time for the script (INFO commandstats).
 */
export async function fraudJudgeOnBusyPrefix(processes: ProcessGroup, root: string, dir: string): Promise<MetricRow | undefined> {
  const own = await startPrivateRedis(processes, dir)
  if (own === undefined) return undefined
  const redis = new Redis(own.url)
  try {
    const sha = (await redis.script('LOAD', readFileSync(join(root, 'api/fraud/judge-send.lua'), 'utf8'))) as string
    const now = Date.now()
    const first = Math.floor(now / BUCKET_MS)
    const window: string[] = []
    for (let i = 0; i < 60; i++) window.push(`${first - i}:s`, '500', `${first - i}:a`, '400', `${first - i}:e`, '20')
    await redis.hset('window', ...window)
    await redis.config('RESETSTAT')
    for (let i = 0; i < CALLS; i += 500) {
      const pipeline = redis.pipeline()
      // Two milliseconds apart: 40 s of sends, so the calls cross a bucket boundary or none, as in production.
      for (let j = 0; j < 500; j++) {
        const at = now + (i + j) * 2
        pipeline.evalsha(sha, 9, 'window', 'country', 'timeline', 'recent-prefixes', 'recent-countries', 'block', 'blocks', 'strikes', 'approved', at, '+1201555', 'US', HOUR_MS, BUCKET_MS, 300_000, 20, 0.2, 900_000, 43_200_000, '0', 86_400_000, 'hour')
      }
      await pipeline.exec()
    }
    const line = (await redis.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_evalsha:')) ?? ''
    const usec = Number(/usec=(\d+)/.exec(line)?.[1] ?? NaN) / CALLS
    return {
      name: 'fraud guard judge step on a busy prefix (an hour in its window)',
      value: round(usec, 1),
      unit: 'µs Redis CPU per send',
      note: `${CALLS} sends to a prefix whose window holds 60 buckets; the window is read at the prefix's first send in each bucket`,
    }
  } finally {
    redis.disconnect()
    await own.process.stop()
  }
}
