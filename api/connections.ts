import type { Queue } from 'bullmq'
import type { Config } from '../shared/config/index.js'
import { createEventsQueue, type EventJob } from '../shared/events.js'
import { createCallQueue, createSendQueue, type SendJob } from '../shared/jobs.js'
import type { Keys } from '../shared/keys.js'
import { closeRedis, createRedis, type RedisClient } from '../shared/redis.js'

/**
 * The API's Redis connections and queues, for main.ts and the tests alike.
 *
 * Two connections: `redis` for the store's and the fraud guard's scripts, auto-pipelined so that concurrent
 * requests share round trips, and one of the queues' own (role `enqueue`, not auto-pipelined). BullMQ defines its
 * fifty-odd scripts on the connection it is given, and ioredis copies every script defined on a connection onto
 * each pipeline it builds to auto-pipeline: about 75 µs a pipeline with BullMQ's scripts beside the store's,
 * 13 µs with the store's alone. Under a steady load nearly every command gets a pipeline of its own, so a create
 * paid that three times (bench/PERFORMANCE.md, "Two Redis connections").
 */
export interface ApiConnections {
  readonly redis: RedisClient
  readonly queueRedis: RedisClient
  readonly queue: Queue<SendJob>
  readonly callQueue: Queue<SendJob>
  readonly eventsQueue: Queue<EventJob>
  /** both connections answer (for /readyz): a create needs the two */
  ping(): Promise<unknown>
  /** closes the queues, then both connections */
  close(): Promise<void>
}

export function createApiConnections(config: Config, keys: Keys, onError: (what: string, err: Error) => void): ApiConnections {
  const redis = createRedis(config, 'fast')
  redis.on('error', (err: Error) => onError('redis connection error', err))
  const queueRedis = createRedis(config, 'enqueue')
  queueRedis.on('error', (err: Error) => onError('redis connection error (queues)', err))
  const queue = createSendQueue(queueRedis, keys, config)
  const callQueue = createCallQueue(queueRedis, keys, config)
  const eventsQueue = createEventsQueue(queueRedis, keys)
  for (const q of [queue, callQueue, eventsQueue]) q.on('error', (err) => onError('queue error', err))
  return {
    redis,
    queueRedis,
    queue,
    callQueue,
    eventsQueue,
    ping: () => Promise.all([redis.ping(), queueRedis.ping()]),
    async close() {
      await Promise.all([queue.close(), callQueue.close(), eventsQueue.close()])
      await Promise.all([closeRedis(queueRedis), closeRedis(redis)])
    },
  }
}
