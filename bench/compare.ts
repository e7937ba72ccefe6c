// `npm run bench:compare -- <checkout> <checkout> …`: the API CPU per request of two or more builds, side by side.
// Each checkout must be built (npm run build). Their APIs run at once against the same Redis and are loaded in turn,
// round after round (the order flips each round, the first round is a warm-up), so a busy machine slows them alike.
// Settings: COMPARE_ROUNDS (4), COMPARE_SECONDS (4), COMPARE_KINDS (load kinds, comma-separated; see load-spec.ts).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createLoadRunner } from './load-client.js'
import { ProcessGroup, cpuMilliseconds, freePort, waitForHttp } from './processes.js'
import { benchRedis, deletePrefix } from './redis-tools.js'
import type { LoadKind } from './load-spec.js'
import { LIMITS_OUT_OF_THE_WAY } from './stack.js'

const roots = process.argv.slice(2)
const rounds = Number(process.env.COMPARE_ROUNDS ?? 4)
const seconds = Number(process.env.COMPARE_SECONDS ?? 4)
const kinds = (process.env.COMPARE_KINDS ?? 'v1-create,form-request,v1-create-invalid,v1-create-unauthorized').split(',') as LoadKind[]
const processes = new ProcessGroup()
const tmp = mkdtempSync(join(tmpdir(), 'bench-compare-'))
const load = createLoadRunner({ processes, root: process.cwd(), tmp })
const apiKey = randomBytes(16).toString('hex')
const env = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  SECRET_KEY: randomBytes(30).toString('base64'),
  API_KEYS: apiKey,
  // The API never talks to the provider: a relay nobody listens on is enough.
  SMS_PROVIDER: 'signalwire',
  SIGNALWIRE_PROJECT: 'compare',
  SIGNALWIRE_TOKEN: 'compare',
  SIGNALWIRE_NUMBER: '+12015550100',
  SIGNALWIRE_HOST: 'ws://127.0.0.1:1',
  HOST: '127.0.0.1',
  ...LIMITS_OUT_OF_THE_WAY,
}
let numbers = 0
const apis: Array<{ root: string; url: string; pid: number | undefined }> = []
const prefixes: string[] = []
try {
  for (const [i, root] of roots.entries()) {
    const port = await freePort()
    const prefix = `compare-${i}-${randomBytes(3).toString('hex')}`
    prefixes.push(prefix)
    const p = processes.start(`api ${i}`, ['dist/api/main.js'], { ...env, PORT: String(port), KEY_PREFIX: prefix }, root)
    const url = `http://127.0.0.1:${port}`
    await waitForHttp(`${url}/readyz`, 20_000, p)
    apis.push({ root, url, pid: p.child.pid })
  }
  const results = new Map<string, number[]>()
  for (let r = 0; r < rounds + 1; r++) {
    for (const kind of kinds) {
      const order = r % 2 === 0 ? apis : [...apis].reverse()
      for (const api of order) {
        const before = cpuMilliseconds(api.pid)
        const res = await load.run({ kind, url: api.url, connections: 50, duration: seconds, numbersStart: numbers, apiKey })
        numbers += res.numbersUsed + 10
        const cpu = (cpuMilliseconds(api.pid) - before) / res.requests
        if (r === 0) continue // the warm-up round is not counted
        const key = `${kind} ${api.root}`
        results.set(key, [...(results.get(key) ?? []), cpu])
      }
    }
  }
  for (const kind of kinds) {
    for (const api of apis) {
      const v = (results.get(`${kind} ${api.root}`) ?? []).sort((a, b) => a - b)
      const median = v[Math.floor(v.length / 2)] ?? NaN
      console.log(`${kind.padEnd(24)} ${api.root.padEnd(30)} median ${median.toFixed(4)} ms CPU/req  [${v.map((x) => x.toFixed(4)).join(' ')}]`)
    }
  }
} finally {
  await processes.stopAll()
  const redis = benchRedis(env.REDIS_URL)
  for (const prefix of prefixes) await deletePrefix(redis, prefix)
  redis.disconnect()
}
