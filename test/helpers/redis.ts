import { randomBytes } from 'node:crypto'
import { Cluster, Redis } from 'ioredis'
import type { RedisClient } from '../../shared/redis.js'

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A key prefix of its own for each test file or case, so runs never see each other's data. */
export function randomPrefix(label = 't'): string {
  return `test-${label}-${randomBytes(5).toString('hex')}`
}

export function testRedis(url = TEST_REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: false })
}

/** Every key under a prefix: store keys (`p:…`) and queue keys (`{p}:…`). */
export async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = []
  // On a cluster every primary holds its own share of the keys.
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis]
  for (const node of nodes) {
    for (const pattern of [`${prefix}:*`, `{${prefix}}:*`]) {
      let cursor = '0'
      do {
        const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
        cursor = next
        found.push(...batch)
      } while (cursor !== '0')
    }
  }
  return found
}

export async function deletePrefix(redis: RedisClient, prefix: string): Promise<void> {
  // One key per call: on a cluster the keys live in many slots.
  for (const key of await keysUnder(redis, prefix)) await redis.unlink(key)
}

/**
 * Every value stored under a prefix, as text, whatever the key's type: what an attacker with a copy of Redis
 * would see. Used to prove that no code or phone number is stored in plain text.
 */
export async function dumpValues(redis: RedisClient, prefix: string): Promise<string[]> {
  const out: string[] = []
  for (const key of await keysUnder(redis, prefix)) {
    const type = await redis.type(key)
    out.push(key)
    switch (type) {
      case 'string':
        out.push((await redis.getBuffer(key))?.toString('latin1') ?? '')
        break
      case 'hash':
        for (const [f, v] of Object.entries(await redis.hgetall(key))) out.push(f, v)
        break
      case 'list':
        out.push(...(await redis.lrange(key, 0, -1)))
        break
      case 'set':
        out.push(...(await redis.smembers(key)))
        break
      case 'zset':
        out.push(...(await redis.zrange(key, 0, -1)))
        break
      case 'stream': {
        const entries = await redis.xrange(key, '-', '+')
        for (const [, fields] of entries) out.push(...fields)
        break
      }
      default:
        break
    }
  }
  return out
}
