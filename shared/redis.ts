import { Cluster, Redis, ReplyError, type ClusterOptions, type RedisOptions } from 'ioredis'
import type { Config } from './config/index.js'
import { settleWithin, TimeoutError, withTimeout } from './timeout.js'

/**
 * Three kinds of connection, for three kinds of caller.
 *
 * - `fast`: the API's, for the store's and the fraud guard's scripts. No offline queue, one retry and a 750 ms
 *   command timeout, so a dead or hung Redis turns into a quick 503 instead of a request that waits. It reconnects
 *   by itself in the background. Auto-pipelined: concurrent requests share round trips.
 * - `enqueue`: the API's, for its BullMQ queues: as `fast`, not auto-pipelined (api/connections.ts says why).
 * - `queue`: the worker's, and BullMQ's. `maxRetriesPerRequest: null` as BullMQ requires for workers: commands
 *   wait for Redis to come back instead of failing jobs.
 */
export type RedisRole = 'fast' | 'enqueue' | 'queue'

const CONNECTION_NAMES: Record<RedisRole, string> = { fast: '2fa-api', enqueue: '2fa-api-queues', queue: '2fa-worker' }

export function redisOptions(role: RedisRole): RedisOptions {
  const common: RedisOptions = {
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    connectionName: CONNECTION_NAMES[role],
  }
  return role === 'queue'
    ? { ...common, enableOfflineQueue: true, maxRetriesPerRequest: null }
    : { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 750, enableAutoPipelining: role === 'fast' }
}

/** A single Redis (direct or through Sentinel) or a Redis Cluster: the store and BullMQ take either. */
export type RedisClient = Redis | Cluster

/**
 * The connection for one role, following the configured topology: `REDIS_URL` (single), `REDIS_SENTINELS` +
 * `REDIS_SENTINEL_NAME`, or `REDIS_CLUSTER_NODES`. Every key the service uses is hash-tagged, so a cluster needs no
 * other change.
 */
export function createRedis(config: Pick<Config, 'redis'>, role: RedisRole): RedisClient {
  const options = redisOptions(role)
  const topology = config.redis.topology
  switch (topology.kind) {
    case 'single':
      return new Redis(config.redis.url, options)
    case 'sentinel':
      return new Redis({ ...options, sentinels: topology.sentinels.map((n) => ({ ...n })), name: topology.name })
    case 'cluster': {
      const { retryStrategy: _unused, enableOfflineQueue, ...nodeOptions } = options
      const clusterOptions: ClusterOptions = {
        redisOptions: nodeOptions,
        enableOfflineQueue: enableOfflineQueue ?? true,
        clusterRetryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        // Moves during a failover: retry the command on the new owner rather than failing at once.
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 300,
        slotsRefreshTimeout: 2_000,
      }
      return new Cluster(
        topology.nodes.map((n) => ({ ...n })),
        clusterOptions,
      )
    }
  }
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return
  let onReady: (() => void) | undefined
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        onReady = resolve
        client.once('ready', resolve)
      }),
      timeoutMs,
      () => new Error(`Redis did not become ready within ${timeoutMs} ms`),
    )
  } finally {
    if (onReady !== undefined) client.off('ready', onReady)
  }
}

/** Closes a client without waiting forever on a Redis that does not answer. */
export async function closeRedis(client: RedisClient, timeoutMs = 1_000): Promise<void> {
  if (client.status === 'end') return
  await settleWithin(client.quit(), timeoutMs)
  client.disconnect()
}

/** What a readiness check pings: a connection, or several that must all answer. */
export interface Pingable {
  ping(): Promise<unknown>
}

/** True when Redis answers a PING within `timeoutMs`. */
export function pingWithin(client: Pingable, timeoutMs: number): Promise<boolean> {
  return settleWithin(
    client.ping().then(() => true),
    timeoutMs,
    false,
  )
}

const TRANSIENT_REPLY = /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|OOM|BUSY|NOREPLICAS|MOVED|ASK)\b/
/** What ioredis rejects with while it cannot reach Redis (connection lost, offline, command timeout, failover). */
const CONNECTION_MESSAGES = /^(Connection is closed|Command timed out|Stream isn't writeable|Cluster isn't ready|None of startup nodes is available|Cluster is disconnect|Node is disconnected|connect ETIMEDOUT|Too many Cluster redirections|Failed to refresh slots cache)/
/** ioredis's own error classes for a lost connection (by name: ioredis exports none of them but ReplyError). */
const CONNECTION_ERRORS = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError', 'AbortError', 'InterruptError', 'ParserError'])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

/**
 * True when an error means "Redis cannot serve us right now": a connection lost or refused, a command that timed
 * out, a failover or a loading replica. Everything else (a script that answered what the code did not expect, a
 * TypeError, a value no key opens) is a bug or bad data, not an outage: the caller answers 500, not 503.
 */
export function isRedisUnavailable(error: unknown): boolean {
  // ioredis types its error classes as any; narrow by hand.
  if (error instanceof (ReplyError as typeof Error)) return TRANSIENT_REPLY.test(error.message)
  if (error instanceof TimeoutError) return true
  if (!(error instanceof Error)) return false
  if (CONNECTION_ERRORS.has(error.name)) return true
  const code = (error as NodeJS.ErrnoException).code
  return (code !== undefined && NETWORK_CODES.has(code)) || CONNECTION_MESSAGES.test(error.message)
}
