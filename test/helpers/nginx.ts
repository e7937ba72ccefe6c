import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The real Debian nginx running the shipped deploy/nginx.conf, with only what a test machine needs changed: the
 * ports, the upstream (an address instead of the compose service name), the user, the pid and log files, and the
 * temp folders. Each change must find what it replaces, so a reshaped config fails here instead of going untested.
 */
export interface Nginx {
  readonly url: string
  readonly port: number
  /** what nginx wrote to its access log so far */
  accessLog(): string
  stop(): Promise<void>
}

export function nginxInstalled(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0
}

export async function startNginx(options: { readonly port: number; readonly upstreamPort: number }): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'))
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub))
  const shipped = readFileSync(new URL('../../deploy/nginx.conf', import.meta.url), 'utf8')
  const conf = rewrite(shipped, [
    [/^user\s+nginx;\n/m, ''],
    [/^pid\s+\S+;$/m, `pid ${join(dir, 'nginx.pid')};`],
    [/^error_log\s+\S+\s+(\w+);$/m, `error_log ${join(dir, 'error.log')} $1;`],
    [/access_log\s+\/dev\/stdout\s+main;/, `access_log ${join(dir, 'access.log')} main;`],
    [/listen\s+80\s+default_server;/, `listen 127.0.0.1:${options.port} default_server;`],
    [/set \$api_upstream\s+http:\/\/api:3000;/, `set $api_upstream http://127.0.0.1:${options.upstreamPort};`],
    [
      /^http \{$/m,
      `http {\n    client_body_temp_path ${dir}/client_body;\n    proxy_temp_path ${dir}/proxy;\n    fastcgi_temp_path ${dir}/fastcgi;\n    uwsgi_temp_path ${dir}/uwsgi;\n    scgi_temp_path ${dir}/scgi;`,
    ],
  ])
  const confPath = join(dir, 'nginx.conf')
  writeFileSync(confPath, conf)
  writeFileSync(join(dir, 'access.log'), '')
  const child: ChildProcess = spawn('nginx', ['-c', confPath, '-p', dir, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const deadline = Date.now() + 10_000
  while (!(await listening(options.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`nginx did not start: ${stderr}${readSafe(join(dir, 'error.log'))}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    url: `http://127.0.0.1:${options.port}`,
    port: options.port,
    accessLog: () => readSafe(join(dir, 'access.log')),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

function rewrite(text: string, changes: ReadonlyArray<readonly [RegExp, string]>): string {
  let out = text
  for (const [pattern, replacement] of changes) {
    if (!pattern.test(out)) throw new Error(`deploy/nginx.conf no longer has ${String(pattern)}: update test/helpers/nginx.ts`)
    out = out.replace(pattern, replacement)
  }
  return out
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

function readSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
