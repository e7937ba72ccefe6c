import { spawnSync } from 'node:child_process'
import { freePort, type BenchProcess, type ProcessGroup } from './processes.js'

/**
 * A redis-server of the bench's own (no persistence), so that `used_memory` differences belong to the bench
 * alone. Undefined when redis-server is not installed; the caller then measures on the shared Redis.
 */
export async function startPrivateRedis(processes: ProcessGroup, dir: string, extraArgs: readonly string[] = []): Promise<{ url: string; process: BenchProcess } | undefined> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined
  const port = await freePort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs]
  const server = processes.start('private redis-server', args, {}, dir, 'redis-server')
  await server.waitForLine((l) => l.includes('Ready to accept connections'), 15_000)
  return { url: `redis://127.0.0.1:${port}`, process: server }
}
