import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from '../../helpers/processes.js'

/**
 * A redis-server of the test's own, on a free port, with an append-only file fsynced on every write in a temporary
 * directory: stopping and starting it again is a restart that keeps the data, and killing it does not touch the
 * shared Redis other tests use.
 */
export interface RedisServer {
  readonly port: number
  readonly url: string
  readonly dir: string
  /** whether a redis-server process is running now */
  readonly running: boolean
  /** starts the server (again, with the same dir and port) and resolves once it answers PING */
  start(): Promise<void>
  /** SIGTERM: Redis fsyncs the append-only file and exits; resolves once the process has exited */
  stop(): Promise<void>
  /** stops the server if it runs and deletes its directory */
  destroy(): Promise<void>
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'delivery-redis-'))
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== undefined
    },
    async start() {
      if (child !== undefined) return
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--save', '', '--logfile', join(dir, 'redis.log')],
        { stdio: 'ignore' },
      )
      child = proc
      exited = new Promise((resolve) => proc.once('exit', () => resolve()))
      void exited.then(() => {
        if (child === proc) child = undefined
      })
      await waitForPing(port, 10_000)
    },
    async stop() {
      const proc = child
      if (proc === undefined) return
      proc.kill('SIGTERM')
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
      child = undefined
    },
    async destroy() {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
  await server.start()
  return server
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    client.on('error', () => undefined)
    try {
      await client.connect()
      if ((await client.ping()) === 'PONG') return
    } catch {
      // not up yet (or still loading the append-only file)
    } finally {
      client.disconnect()
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
