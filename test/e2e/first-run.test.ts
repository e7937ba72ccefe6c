import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, test } from 'vitest'
import { freePort } from '../helpers/processes.js'

/*
 * A newcomer's first `npm start` (scripts/start.ts): with no Redis at REDIS_URL it starts a private redis-server
 * when one is installed, and otherwise stops at once with one message naming REDIS_URL and how to get Redis.
 */

const root = new URL('../../', import.meta.url)

interface Run {
  readonly output: () => string
  readonly exited: Promise<number | null>
  stop(): void
}

/** `npm start`'s launcher, as `npm start` runs it, with `env` only (plus HOME). */
function launch(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  return {
    output: () => output,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    stop: () => child.kill('SIGTERM'),
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('npm start on a machine with no Redis at REDIS_URL', () => {
  test('without redis-server installed: one clear message naming REDIS_URL, exit 1, no connection errors', async () => {
    // A PATH with node alone: no redis-server to be found.
    const bin = mkdtempSync(join(tmpdir(), 'first-run-bin-'))
    symlinkSync(process.execPath, join(bin, 'node'))
    const port = await freePort()
    const run = launch({ PATH: bin, REDIS_URL: `redis://127.0.0.1:${port}`, PORT: String(await freePort()) })
    const code = await Promise.race([run.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))])
    if (code === 'hung') run.stop()
    assert.equal(code, 1, run.output())
    assert.match(run.output(), new RegExp(`no Redis answers at REDIS_URL=redis://127.0.0.1:${port}`))
    assert.match(run.output(), /apt-get install redis-server/)
    assert.doesNotMatch(run.output(), /ECONNREFUSED/)
    assert.ok(run.output().trim().split('\n').length <= 3, `a short message, not a flood:\n${run.output()}`)
  })

  test('with redis-server installed: a private one is started, the service answers, and Ctrl-C stops it all', async () => {
    const redisPort = await freePort()
    const apiPort = await freePort()
    const run = launch({
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      PORT: String(apiPort),
      ADMIN_PORT: String(await freePort()),
      WORKER_ADMIN_PORT: String(await freePort()),
      KEY_PREFIX: `first-run-${redisPort}`,
    })
    try {
      const ready = await waitFor('/readyz', async () => ((await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200 ? true : undefined), 30_000)
      assert.equal(ready, true)
      assert.match(run.output(), /started a private redis-server for this session \(data in \.redis\/\)/)
      const sent = await fetch(`http://127.0.0.1:${apiPort}/request-auth`, { method: 'POST', body: new URLSearchParams({ number: '+12015550123' }) })
      assert.equal(sent.status, 200)
    } finally {
      run.stop()
    }
    assert.equal(await run.exited, 0, run.output())
    // The private Redis went with it: nothing listens on its port any more.
    const stillThere = await new Promise<boolean>((resolve) => {
      const probe = createServer()
      probe.once('error', () => resolve(true))
      probe.listen(redisPort, '127.0.0.1', () => probe.close(() => resolve(false)))
    })
    assert.equal(stillThere, false, 'the private redis-server stopped with npm start')
  })
})
