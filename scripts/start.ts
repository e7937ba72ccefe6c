import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { connect } from 'node:net'

/**
 * `npm start`: the API and the worker together, as two processes, the way they run in production. Ctrl-C or
 * SIGTERM stops both; if either exits on its own, the other is stopped too and its exit code is ours.
 *
 * A first run should just work: when nothing answers at REDIS_URL on this machine and `redis-server` is installed,
 * a private one is started for the session (data in .redis/, git-ignored) and stopped with the rest. Otherwise the
 * launcher stops at once with one message saying what to do, instead of two processes failing to connect.
 */
const children: ChildProcess[] = []
let privateRedis: ChildProcess | undefined
let stopping = false

function say(message: string): void {
  process.stderr.write(`npm start: ${message}\n`)
}

function run(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: 'inherit', env: process.env })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping the rest`)
      stopAll(typeof code === 'number' && code !== 0 ? code : 1)
    } else if (children.every(exited)) {
      finish()
    }
  })
  children.push(child)
  return child
}

const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null

function finish(): void {
  if (privateRedis !== undefined && !exited(privateRedis)) {
    privateRedis.once('exit', () => process.exit(process.exitCode ?? 0))
    privateRedis.kill('SIGTERM')
    return
  }
  process.exit(process.exitCode ?? 0)
}

function stopAll(exitCode: number): void {
  if (stopping) return
  stopping = true
  process.exitCode = exitCode
  for (const child of children) if (!exited(child)) child.kill('SIGTERM')
  if (children.every(exited)) finish()
}

/** Whether a Redis answers PING at host:port within a second (an auth error counts: something is there). */
function redisAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH|-WRONGPASS)/.test(data.toString())))
  })
}

async function ensureRedis(): Promise<void> {
  // Cluster and Sentinel setups are the operator's; only the plain URL is checked.
  if ((process.env.REDIS_CLUSTER_NODES ?? '') !== '' || (process.env.REDIS_SENTINELS ?? '') !== '') return
  const url = new URL(process.env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379')
  const host = url.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1'
  const port = Number(url.port || 6379)
  // URL.origin is 'null' for redis: URLs.
  const where = `${url.protocol}//${url.host}`
  if (await redisAnswers(host, port)) return

  const local = ['127.0.0.1', 'localhost', '::1'].includes(host) && url.protocol === 'redis:' && url.password === ''
  const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
  if (!local || !installed) {
    say(`no Redis answers at REDIS_URL=${where}.`)
    say(
      local
        ? 'Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run npm start again, or set REDIS_URL to a Redis you have.'
        : 'Start that Redis or set REDIS_URL to one that runs.',
    )
    process.exit(1)
  }
  mkdirSync('.redis', { recursive: true })
  privateRedis = spawn('redis-server', ['--port', String(port), '--bind', host === 'localhost' ? '127.0.0.1' : host, '--dir', '.redis', '--appendonly', 'yes', '--save', ''], {
    stdio: 'ignore',
  })
  privateRedis.on('exit', (code) => {
    if (!stopping) {
      say(`the private redis-server exited (${String(code)}); stopping the rest`)
      stopAll(1)
    }
  })
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(host, port)) {
      say(`no Redis was running at ${where}: started a private redis-server for this session (data in .redis/)`)
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  say(`could not start redis-server on port ${port}`)
  privateRedis.kill('SIGKILL')
  process.exit(1)
}

process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))

try {
  process.loadEnvFile('.env')
} catch {
  // no .env: the environment as it is
}
await ensureRedis()
run('api', 'api/main.ts')
run('worker', 'worker/main.ts')
