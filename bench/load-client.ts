import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LoadResult, LoadSpec } from './load-spec.js'
import { sleep, type ProcessGroup } from './processes.js'

/** How long a load process sits idle between being loaded and starting, so its start-up is over. */
const SETTLE_MS = 300

export interface LoadRunner {
  /** runs one load in a child process (bench/load.ts) and returns what it measured */
  run(spec: LoadSpec): Promise<LoadResult>
  /** writes a file the load child can read (check pairs) and returns its path */
  file(name: string, content: unknown): string
}

export function createLoadRunner(deps: { processes: ProcessGroup; root: string; tmp: string }): LoadRunner {
  let runs = 0
  return {
    async run(spec) {
      const specFile = join(deps.tmp, `load-${++runs}.json`)
      writeFileSync(specFile, JSON.stringify(spec))
      const child = deps.processes.start(`load ${spec.kind}`, ['--import', 'tsx', 'bench/load.ts', specFile], {}, deps.root)
      let output = ''
      child.child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8')
      })
      // Loaded: let its start-up settle, then begin (load.ts waits for the signal).
      await child.waitForLine((l) => l === 'ready', 30_000)
      await sleep(SETTLE_MS)
      child.child.kill('SIGUSR2')
      const code = await child.exited
      const line = output.split('\n').find((l) => l.startsWith('{'))
      if (code !== 0 || line === undefined) throw new Error(`load generator failed (exit ${String(code)}):\n${child.tail()}`)
      return JSON.parse(line) as LoadResult
    },
    file(name, content) {
      const path = join(deps.tmp, name)
      writeFileSync(path, JSON.stringify(content))
      return path
    },
  }
}
