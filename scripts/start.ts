import { spawn, type ChildProcess } from 'node:child_process'

/**
 * `npm start`: the API and the worker together, as two processes, the way they run in production. Ctrl-C or
 * SIGTERM stops both; if either exits on its own, the other is stopped too and its exit code is ours.
 */
const children: ChildProcess[] = []
let stopping = false

function run(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: 'inherit', env: process.env })
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); stopping the rest\n`)
      stopAll(typeof code === 'number' && code !== 0 ? code : 1)
    } else if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
      process.exit(process.exitCode ?? 0)
    }
  })
  children.push(child)
  return child
}

function stopAll(exitCode: number): void {
  if (stopping) return
  stopping = true
  process.exitCode = exitCode
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode)
}

process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))

run('api', 'api/main.ts')
run('worker', 'worker/main.ts')
