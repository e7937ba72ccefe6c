// `node --import tsx bench/key-floor.ts`: what one Redis key costs in used_memory, whatever the service puts in
// it. Writes 10,000 keys of a few shapes into a redis-server of its own and prints used_memory per key. The
// memory target (≤ 350 B per verification) is judged against these floors in the README's Performance section.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startPrivateRedis } from './private-redis.js'
import { ProcessGroup } from './processes.js'
import { benchRedis, usedMemory } from './redis-tools.js'

const COUNT = 10_000
const MS = '1795000000000'

/** Field layouts: the service's two hashes as they are after delivery, and smaller shapes for comparison. */
const SHAPES: ReadonlyArray<{ name: string; keyLength: number; fields: ReadonlyArray<readonly [string, string]> }> = [
  { name: 'hash, 1 short field', keyLength: 52, fields: [['a', '1']] },
  {
    name: 'verification hash (as stored after delivery)',
    keyLength: 56,
    fields: [
      ['s', 'pending'], ['e', 'A'.repeat(64)], ['h', 'B'.repeat(22)], ['c', 'US'], ['nd', 'C'.repeat(26)], ['sa', '1'],
      ['ca', '0'], ['mc', '5'], ['ct', MS], ['ut', MS], ['xt', MS], ['ds', 'delivered'], ['du', MS], ['dm', 'd'.repeat(36)],
    ],
  },
  { name: 'number hash (cur, send window)', keyLength: 48, fields: [['cur', `ver_${'x'.repeat(30)}`], ['ls', MS], ['ws', MS], ['wc', '1']] },
  {
    name: 'one merged, compact hash (binary-sized values, offsets)',
    keyLength: 40,
    fields: [
      ['s', 'p'], ['e', 'A'.repeat(48)], ['h', 'B'.repeat(16)], ['sa', '1'], ['ca', '0'], ['ct', MS], ['x', '600000'], ['u', '0'],
      ['d', '2'], ['du', '500'], ['dm', 'd'.repeat(36)], ['ls', '0'], ['wc', '1'], ['i', 'y'.repeat(26)],
    ],
  },
]

async function main(): Promise<void> {
  const processes = new ProcessGroup()
  const dir = mkdtempSync(join(tmpdir(), 'key-floor-'))
  try {
    const own = await startPrivateRedis(processes, dir)
    if (own === undefined) throw new Error('redis-server is not installed')
    const redis = benchRedis(own.url)
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?'
    process.stdout.write(`redis ${version}, ${COUNT} keys each, every key with a TTL unless said\n`)
    for (const shape of SHAPES) {
      for (const ttl of [true, false]) {
        if (!ttl && shape !== SHAPES[0]) continue
        await redis.flushall()
        const before = await usedMemory(redis)
        for (let start = 0; start < COUNT; start += 1_000) {
          const pipeline = redis.pipeline()
          for (let i = start; i < start + 1_000; i++) {
            const key = `k${i}:`.padEnd(shape.keyLength, 'x')
            pipeline.hset(key, Object.fromEntries(shape.fields))
            if (ttl) pipeline.pexpire(key, 86_400_000)
          }
          await pipeline.exec()
        }
        const perKey = (await usedMemory(redis)) - before
        const usage = await redis.memory('USAGE', 'k1:'.padEnd(shape.keyLength, 'x'))
        process.stdout.write(`${Math.round(perKey / COUNT)} B used_memory per key, MEMORY USAGE ${String(usage)} B: ${shape.name}${ttl ? '' : ', no TTL'}\n`)
      }
    }
    redis.disconnect()
  } finally {
    await processes.stopAll()
    rmSync(dir, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  },
)
