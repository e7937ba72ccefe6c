import { z } from 'zod'
import { configSchema, crossFieldIssues, sections, SECTION_TITLES, type Config } from './schema.js'
import { settingsRegistry, type SettingMeta } from './settings.js'

export { DEV_SECRET, NUMBER_TYPES, type Config } from './schema.js'

/**
 * The one place that reads `process.env`. Every setting is validated once at boot; a bad value stops the process
 * with one message naming every bad variable.
 */

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface SettingInfo extends SettingMeta {
  /** section key, e.g. 'codes' */
  readonly section: keyof typeof sections
  readonly sectionTitle: string
  /** the field inside its section, e.g. 'ttlSeconds' */
  readonly field: string
}

/** Every setting, in schema order. */
export function settings(): SettingInfo[] {
  const out: SettingInfo[] = []
  for (const section of Object.keys(sections) as Array<keyof typeof sections>) {
    const schema: z.ZodType = sections[section]
    for (const [field, leaf] of Object.entries(shapeOf(schema))) {
      const meta = settingsRegistry.get(leaf)
      if (meta === undefined) throw new Error(`config: ${section}.${field} has no setting() meta`)
      out.push({ ...meta, section, sectionTitle: SECTION_TITLES[section], field })
    }
  }
  return out
}

/** The object shape under a section, seeing through its transform. */
function shapeOf(schema: z.core.$ZodType): Readonly<Record<string, z.core.$ZodType>> {
  if (schema instanceof z.ZodObject) return schema.shape
  if (schema instanceof z.ZodPipe) return shapeOf(schema.in)
  throw new Error('config: a section is not an object schema')
}

/** Parses the environment (defaults to `process.env`) into a frozen Config, or throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const value = (name: string): string | undefined => {
    const v = source[name]
    return v === undefined || v.trim() === '' ? undefined : v
  }
  const all = settings()
  const input: Record<string, Record<string, string | undefined>> = {}
  for (const s of all) (input[s.section] ??= {})[s.field] = value(s.env)

  const parsed = configSchema.safeParse(input)
  const byPath = new Map(all.map((s) => [`${s.section}.${s.field}`, s.env]))
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `${byPath.get(i.path.slice(0, 2).join('.')) ?? i.path.join('.')}: ${i.message}`)
  lines.push(...crossFieldIssues(value))
  if (!parsed.success || lines.length > 0) {
    throw new ConfigError(`invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`)
  }
  return deepFreeze(parsed.data)
}

/** Reads `.env` from the working directory when present (Node's own parser), without overriding real variables. */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/** Which settings the environment sets, by name, with secrets shown only as set: for a boot log line and the compose test. */
export function describeSource(source: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const s of settings()) {
    const v = source[s.env]
    if (v === undefined || v.trim() === '') continue
    out[s.env] = s.secret === true ? '[set]' : v
  }
  return out
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
