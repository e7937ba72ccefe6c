import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { RedisClient } from './redis.js'

export type ScriptReply = Array<string | number | null> | number | string | null

/** One stretch of the assembled source and where it came from, to name the right file and line in errors. */
interface SourceSpan {
  /** first line of the stretch in the assembled script (1-based) */
  readonly from: number
  readonly file: string
  /** line in `file` of the stretch's first line */
  readonly line: number
}

const INCLUDE = /^--- @include "([\w-]+)"\s*$/

/**
 * A Lua script from a `.lua` file, run by its SHA (EVALSHA) and loaded on first use or after a Redis restart
 * (NOSCRIPT). `--- @include "name"` lines are replaced by `includes/name.lua` beside the file. Redis reports errors
 * by the assembled script's line (`user_script:12`); they are rewritten to the file and line they came from.
 * Works the same on a single Redis and on a cluster, where each node loads the script the first time it is asked.
 */
export class Script {
  readonly name: string
  readonly source: string
  readonly sha: string
  private readonly spans: readonly SourceSpan[]

  private constructor(name: string, source: string, spans: readonly SourceSpan[]) {
    this.name = name
    this.source = source
    this.spans = spans
    this.sha = createHash('sha1').update(source).digest('hex')
  }

  /** Reads `file` (a path or a `file:` URL, e.g. `new URL('./x.lua', import.meta.url)`) and its includes. */
  static load(file: string | URL): Script {
    const path = typeof file === 'string' ? file : fileURLToPath(file)
    const out: string[] = []
    const spans: SourceSpan[] = []
    const name = basename(path)
    const lines = readFileSync(path, 'utf8').replace(/\n$/, '').split('\n')
    let start = 0
    for (let i = 0; i < lines.length; i++) {
      const include = INCLUDE.exec(lines[i] ?? '')
      if (include?.[1] === undefined) continue
      if (i > start) spans.push({ from: out.length + 1, file: name, line: start + 1 })
      out.push(...lines.slice(start, i))
      const included = readFileSync(join(dirname(path), 'includes', `${include[1]}.lua`), 'utf8').replace(/\n$/, '').split('\n')
      spans.push({ from: out.length + 1, file: `includes/${include[1]}.lua`, line: 1 })
      out.push(...included)
      start = i + 1
    }
    if (start < lines.length) spans.push({ from: out.length + 1, file: name, line: start + 1 })
    out.push(...lines.slice(start))
    return new Script(name, `${out.join('\n')}\n`, spans)
  }

  async run(redis: RedisClient, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<ScriptReply> {
    try {
      try {
        return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as ScriptReply
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
        return (await redis.eval(this.source, keys.length, ...keys, ...args)) as ScriptReply
      }
    } catch (error) {
      if (error instanceof Error && error.message.includes('user_script:')) error.message = this.locate(error.message)
      throw error
    }
  }

  /** `user_script:57` → `includes/delivery-rank.lua:3` (in `create-verification.lua`). */
  locate(message: string): string {
    return message.replace(/@?user_script:(\d+)/g, (_, n: string) => {
      const at = Number(n)
      let span: SourceSpan | undefined
      for (const s of this.spans) if (s.from <= at) span = s
      if (span === undefined) return `${this.name}:${at}`
      const where = `${span.file}:${span.line + at - span.from}`
      return span.file === this.name ? where : `${where} (in ${this.name})`
    })
  }
}
