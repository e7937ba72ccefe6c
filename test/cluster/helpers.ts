import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Cluster, Redis } from 'ioredis'
import { TEST_API_KEY } from '../helpers/constants.js'
import { relayServiceEnv, startApi, startService, type ServiceProcess } from '../helpers/processes.js'

/*
 * What the cluster suites share: where the cluster is (REDIS_CLUSTER_NODES, set by scripts/with-cluster.sh), a test
 * client, the service environment for real processes, and the means to kill and heal a node.
 */

const run = promisify(execFile)
const CLUSTER_SCRIPT = fileURLToPath(new URL('../../scripts/cluster.sh', import.meta.url))

/** `host:port,...` of the cluster under test; a clear failure when the suite is run without one. */
export function clusterNodes(): string {
  const nodes = process.env.REDIS_CLUSTER_NODES?.trim() ?? ''
  if (nodes === '') {
    throw new Error(
      'REDIS_CLUSTER_NODES is not set: the cluster suite needs a Redis Cluster. Run it with `npm run test:cluster` ' +
        '(scripts/with-cluster.sh starts one on 127.0.0.1:7000-7005 and stops it afterwards).',
    )
  }
  return nodes
}

export function clusterPorts(): number[] {
  return clusterNodes()
    .split(',')
    .map((n) => Number(n.trim().split(':').at(-1)))
}

/** A cluster client for the test itself (setup, scans, clean-up), patient during failovers. */
export async function testCluster(): Promise<Cluster> {
  const nodes = clusterNodes()
    .split(',')
    .map((n) => {
      const [host = '127.0.0.1', port = '0'] = n.trim().split(':')
      return { host, port: Number(port) }
    })
  const cluster = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 3 }, retryDelayOnFailover: 200 })
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve)
    cluster.once('error', reject)
  })
  return cluster
}

/** A plain connection to one node: for CLUSTER and INFO commands that are about that node. */
export function nodeClient(port: number): Redis {
  return new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, connectTimeout: 1_000, retryStrategy: () => null })
}

/** The slot Redis itself computes for a key (CLUSTER KEYSLOT), not our own idea of it. */
export async function keyslot(node: Redis, key: string): Promise<number> {
  return Number(await node.call('CLUSTER', 'KEYSLOT', key))
}

/** The port of the primary that serves a slot now. */
export async function primaryOfSlot(node: Redis, slot: number): Promise<number> {
  const ranges = (await node.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>
  for (const [from, to, primary] of ranges) {
    if (slot >= from && slot <= to) return Number(primary[1])
  }
  throw new Error(`no primary serves slot ${slot}`)
}

/**
 * Error counters summed over every node: `INFO errorstats` by error prefix (`CROSSSLOT`, `MOVED`, `NOSCRIPT`, ...)
 * and, from `INFO commandstats`, `scriptCalls` / `scriptFailed` / `scriptRejected` for EVAL and EVALSHA. A script that touches a key
 * of another node fails (ERR ... non local key); one called with keys of two slots is rejected (CROSSSLOT).
 * Plain ERR counts are useless here: ioredis sends CLIENT SETINFO, which Redis 7.0 answers with ERR.
 */
export async function errorStats(ports: readonly number[] = clusterPorts()): Promise<Record<string, number>> {
  const totals: Record<string, number> = {}
  const add = (name: string, count: string | undefined): void => {
    totals[name] = (totals[name] ?? 0) + Number(count ?? 0)
  }
  for (const port of ports) {
    const node = nodeClient(port)
    try {
      for (const m of (await node.info('errorstats')).matchAll(/^errorstat_([A-Z_-]+):count=(\d+)/gm)) add(m[1] ?? '', m[2])
      for (const m of (await node.info('commandstats')).matchAll(/^cmdstat_(?:eval|evalsha|eval_ro|evalsha_ro):calls=(\d+),.*rejected_calls=(\d+),failed_calls=(\d+)/gm)) {
        add('scriptCalls', m[1])
        add('scriptRejected', m[2])
        add('scriptFailed', m[3])
      }
    } finally {
      node.disconnect()
    }
  }
  return totals
}

/** Differences between two errorStats readings, only where something changed. */
export function errorStatsDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {}
  for (const [name, count] of Object.entries(after)) {
    const d = count - (before[name] ?? 0)
    if (d !== 0) delta[name] = d
  }
  return delta
}

/**
 * The script errors in a delta that are not the normal life of a cluster client: CROSSSLOT, and failed or rejected
 * script calls beyond NOSCRIPT (first EVALSHA on a node) and MOVED/ASK (redirections after a topology change).
 */
export function scriptErrors(delta: Record<string, number>): Record<string, number> {
  const redirections = (delta.MOVED ?? 0) + (delta.ASK ?? 0)
  const out: Record<string, number> = {}
  if ((delta.CROSSSLOT ?? 0) > 0) out.CROSSSLOT = delta.CROSSSLOT ?? 0
  const failed = (delta.scriptFailed ?? 0) - (delta.NOSCRIPT ?? 0)
  if (failed > 0) out.scriptFailed = failed
  const rejected = (delta.scriptRejected ?? 0) - redirections
  if (rejected > 0) out.scriptRejected = rejected
  return out
}

/** SIGKILLs one node of the cluster (the test's own redis-server); resolves with its pid. */
export async function killNode(port: number): Promise<number> {
  const node = nodeClient(port)
  let pid: number
  try {
    pid = Number(/process_id:(\d+)/.exec(await node.info('server'))?.[1])
  } finally {
    node.disconnect()
  }
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process id from node ${port}`)
  process.kill(pid, 'SIGKILL')
  return pid
}

/**
 * Restarts whatever node is down (it rejoins from its nodes.conf) and waits until the cluster is healthy again.
 * Only for a cluster that scripts/cluster.sh started (as `npm run test:cluster` does).
 */
export async function healCluster(): Promise<void> {
  await run('bash', [CLUSTER_SCRIPT, 'start'], { env: process.env, timeout: 60_000 })
}

/** The environment of a real API or worker process on the cluster, as the issue sets it. */
export function serviceEnv(prefix: string, relayUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...relayServiceEnv(prefix, relayUrl),
    REDIS_CLUSTER_NODES: clusterNodes(),
    RESEND_COOLDOWN_SECONDS: '0',
    MAX_SENDS_PER_WINDOW: '1000',
    IP_SENDS_PER_HOUR: '0',
    GLOBAL_SENDS_PER_HOUR: '0',
    ...extra,
  }
}

/** Starts the real worker and API processes on the cluster; resolves once the API answers and the worker took the queue. */
export async function startServices(env: Record<string, string>): Promise<{ api: ServiceProcess; worker: ServiceProcess; url: string }> {
  const worker = startService('worker', 'start:worker', env)
  let api: ServiceProcess | undefined
  try {
    const started = await startApi(env)
    api = started.process
    await worker.waitForLog((l) => l.msg === 'worker started')
    return { api, worker, url: started.url }
  } catch (error) {
    // The caller never gets the processes to stop: do it here.
    await Promise.allSettled([worker.stop('SIGKILL'), api?.stop('SIGKILL')])
    throw error
  }
}

/**
 * POST/GET to a running API's /v1 with the test key. One retry when a pooled keep-alive socket turns out to have
 * been closed by the server while idle (Node closes idle sockets after 5 s; fetch may pick one just then): that
 * request never reached the API. A refused connection (the API is gone) is not retried.
 */
export async function v1At(url: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<Response> {
  const send = (): Promise<Response> =>
    fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  try {
    return await send()
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined
    const code = cause !== null && typeof cause === 'object' && 'code' in cause ? String(cause.code) : ''
    if (code !== 'UND_ERR_SOCKET' && code !== 'ECONNRESET') throw error
    return send()
  }
}

/** Distinct US numbers, valid for the service, none ending in a fake-relay scenario suffix (0001, 0400, ...). */
export function numbersFrom(start: number, count: number, area = '201'): string[] {
  return Array.from({ length: count }, (_, i) => `+1${area}555${String(1000 + start + i).padStart(4, '0')}`)
}

/** Runs `task` over `items` with at most `limit` at a time; results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) {
      results[i] = await task(items[i] as T, i)
    }
  })
  await Promise.all(lanes)
  return results
}

/** The code in an SMS body (the default template). */
export function codeIn(body: string): string | undefined {
  return /(\d{6})/.exec(body)?.[1]
}
