import { createHash } from 'node:crypto'
import type { RedisClient } from '../redis.js'

export type ScriptReply = Array<string | number | null> | number | string | null

/**
 * A Lua script run by its SHA (EVALSHA), loaded on first use or after a Redis restart (NOSCRIPT).
 * Works the same on a single Redis and on a cluster, where each node loads it the first time it is asked.
 */
export class Script {
  readonly sha: string

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  async run(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<ScriptReply> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as ScriptReply
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return (await redis.eval(this.source, keys.length, ...keys, ...args)) as ScriptReply
      }
      throw error
    }
  }
}
