import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { QUEUE_NAME } from '../shared/keys.js'

/** The bench's own Redis connection (not the service's): memory figures, queue counts and cleanup. */
export function benchRedis(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3, connectionName: 'sms-2fa-bench' })
}

/** The service's send queue, by its braced prefix, on a connection of its own that `close()` ends. */
export function benchQueue(redis: Redis, prefix: string): Queue {
  return new Queue(QUEUE_NAME, { connection: { ...redis.options, connectionName: 'sms-2fa-bench-queue' }, prefix: `{${prefix}}` })
}

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory')
  const match = /^used_memory:(\d+)/m.exec(info)
  if (match?.[1] === undefined) throw new Error('INFO memory has no used_memory')
  return Number(match[1])
}

/** Every key of a run: store keys (`p:…`) and queue keys (`{p}:…`). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
    let cursor = '0'
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      found.push(...batch)
    } while (cursor !== '0')
  }
  return found
}

/**
 * `MEMORY USAGE` of every key of a run, summed by kind (number hashes, verifications, shared counters, queue):
 * unlike `used_memory`, it cannot be moved by other users of the same Redis.
 */
export async function memoryByKind(redis: Redis, prefix: string): Promise<Record<string, { keys: number; bytes: number }>> {
  const keys = await keysUnder(redis, prefix)
  const out: Record<string, { keys: number; bytes: number }> = {}
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000)
    const pipeline = redis.pipeline()
    for (const key of batch) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')
    const replies = (await pipeline.exec()) ?? []
    batch.forEach((key, j) => {
      const kind = kindOf(key, prefix)
      const bytes = Number(replies[j]?.[1] ?? 0)
      const slot = (out[kind] ??= { keys: 0, bytes: 0 })
      slot.keys++
      slot.bytes += bytes
    })
  }
  return out
}

function kindOf(key: string, prefix: string): string {
  if (key.startsWith(`{${prefix}}:`)) {
    if (key.endsWith(':events')) return 'queue events stream'
    return /:ver_[a-z2-7]+-\d+$/.test(key) ? 'queue job hashes' : 'queue lists and sets'
  }
  const m = /^[^:]+:\{[^}]*\}:([a-z]+):/.exec(key)
  const kind = m?.[1]
  if (kind === 'n') return 'number'
  if (kind === 'v') return 'verification'
  return kind ?? 'other'
}

/** SCAN + UNLINK of everything under the run's prefix and `{prefix}`. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await keysUnder(redis, prefix)
  for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500))
  return keys.length
}

/** Redis's own CPU time (main thread, user + system), in microseconds, and its per-command counters. */
export interface RedisCounters {
  readonly cpuUs: number
  readonly commands: ReadonlyMap<string, { readonly calls: number; readonly usec: number }>
}

export async function redisCounters(redis: Redis): Promise<RedisCounters> {
  const cpu = await redis.info('cpu')
  const value = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0)
  const commands = new Map<string, { calls: number; usec: number }>()
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    commands.set(m[1] ?? '', { calls: Number(m[2]), usec: Number(m[3]) })
  }
  return { cpuUs: (value('used_cpu_user_main_thread') + value('used_cpu_sys_main_thread')) * 1e6, commands }
}

/**
 * What Redis did per operation between two readings: CPU microseconds and the busiest commands (calls per
 * operation; commands run inside Lua scripts are counted as well as the EVALSHA itself). Other users of a shared
 * Redis add to these figures.
 */
export function redisPerOperation(before: RedisCounters, after: RedisCounters, operations: number): { cpuUs: number; top: string } {
  const per = Math.max(1, operations)
  const deltas = [...after.commands.entries()]
    .map(([name, a]) => ({ name, calls: a.calls - (before.commands.get(name)?.calls ?? 0) }))
    .filter((d) => d.calls > 0)
    .sort((x, y) => y.calls - x.calls)
    .slice(0, 6)
  return {
    cpuUs: Math.round((after.cpuUs - before.cpuUs) / per),
    top: deltas.map((d) => `${d.name} ${(d.calls / per).toFixed(1)}`).join(', '),
  }
}
