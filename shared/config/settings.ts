import { isIP } from 'node:net'
import { z } from 'zod'

/*
 * Building blocks of the configuration schema. Every setting is one zod schema that reads one environment variable
 * (always a string or absent) and carries, as metadata, the variable's name and its meaning; schema.ts puts them in
 * sections. An empty variable means "not set": `.env` files and compose pass-throughs produce them.
 */

export interface SettingMeta {
  /** the environment variable */
  readonly env: string
  /** one line: what it does, with its unit; the default is the schema's own */
  readonly meaning: string
  /** the default as written in example.env and the README ('' = empty) */
  readonly shownDefault: string
  /** never printed, not even its length */
  readonly secret?: boolean
}

/** Where each setting's meta lives; read by the loader, the example.env writer and the settings test. */
export const settingsRegistry = z.registry<SettingMeta>()

/** Attaches a variable name and its meaning to a value schema. */
export function setting<T extends z.ZodType>(
  env: string,
  schema: T,
  meaning: string,
  options: { shownDefault?: string; secret?: boolean } = {},
): T {
  const shownDefault = options.shownDefault ?? defaultOf(schema)
  const meta: SettingMeta = { env, meaning, shownDefault, ...(options.secret === true ? { secret: true } : {}) }
  ;(schema as z.ZodType).register(settingsRegistry, meta)
  return schema
}

/** The default a value schema falls back to, as text (each builder below records it). */
function defaultOf(schema: z.ZodType): string {
  return defaults.get(schema) ?? ''
}
const defaults = new WeakMap<z.ZodType, string>()
function withDefault<T extends z.ZodType>(schema: T, shown: string): T {
  defaults.set(schema, shown)
  return schema
}

const raw = z.string().optional()

/** A trimmed string, or undefined when absent or blank. */
export function optionalText() {
  return raw.transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
}

/** A trimmed string with a default, checked against `pattern`. */
export function text(fallback: string, pattern?: { readonly regex: RegExp; readonly message: string }) {
  const base = raw.transform((v) => (v === undefined || v.trim() === '' ? fallback : v.trim()))
  return withDefault(pattern === undefined ? base : base.pipe(z.string().regex(pattern.regex, pattern.message)), fallback)
}

/** A whole number in [min, max]; a plain decimal string only (no signs, exponents or other scripts' digits). */
export function int(fallback: number, min: number, max: number) {
  return withDefault(
    raw
      .transform((v, ctx) => {
        if (v === undefined || v.trim() === '') return fallback
        if (!/^\d+$/.test(v.trim())) {
          ctx.addIssue({ code: 'custom', message: `expected a whole number, got "${v}"` })
          return z.NEVER
        }
        return Number(v.trim())
      })
      .pipe(z.number().int().min(min).max(max)),
    String(fallback),
  )
}

/** A decimal in [0, 1], e.g. 0.2. */
export function ratio(fallback: number) {
  return withDefault(
    raw
      .transform((v, ctx) => {
        if (v === undefined || v.trim() === '') return fallback
        if (!/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(v.trim())) {
          ctx.addIssue({ code: 'custom', message: `expected a decimal from 0 to 1, got "${v}"` })
          return z.NEVER
        }
        return Number(v.trim())
      })
      .pipe(z.number().min(0).max(1)),
    String(fallback),
  )
}

/** true/false, 1/0, yes/no. */
export function bool(fallback: boolean) {
  return withDefault(
    raw
      .transform((v) => v?.trim().toLowerCase())
      .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional())
      .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes')),
    String(fallback),
  )
}

/** One of `values`. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) {
  return withDefault(
    raw.transform((v) => (v === undefined || v.trim() === '' ? fallback : v.trim())).pipe(z.enum(values)),
    fallback,
  )
}

/** A comma-separated list, entries trimmed, empty ones dropped. */
export function list() {
  return raw.transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
}

/** `host:port,host:port`; IPv6 hosts in brackets. */
export function hostPorts() {
  return list().transform((entries, ctx) =>
    entries.map((entry) => {
      const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(entry)
      if (m?.[1] === undefined || m[2] === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port` })
        return { host: '', port: 0 }
      }
      return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }
    }),
  )
}

/** How far to believe X-Forwarded-For: no proxy, a number of proxy hops, or proxies by address range. */
export type TrustProxy = { readonly kind: 'none' } | { readonly kind: 'hops'; readonly hops: number } | { readonly kind: 'cidrs'; readonly cidrs: readonly string[] }

/** TRUST_PROXY: false, true (one hop), a hop count, or a comma list of CIDRs (IPv4 or IPv6). */
export function trustProxy() {
  return raw.transform((v, ctx): TrustProxy => {
    const value = v?.trim().toLowerCase() ?? ''
    if (value === '' || value === 'false' || value === '0' || value === 'no') return { kind: 'none' }
    if (value === 'true' || value === 'yes') return { kind: 'hops', hops: 1 }
    if (/^\d{1,2}$/.test(value)) return { kind: 'hops', hops: Number(value) }
    const cidrs = value.split(',').map((c) => c.trim()).filter((c) => c.length > 0)
    for (const cidr of cidrs) {
      const [address = '', bits = ''] = cidr.split('/')
      const family = isIP(address)
      if (family === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) {
        ctx.addIssue({ code: 'custom', message: `"${cidr}" is not true, false, a hop count or a CIDR such as 10.0.0.0/8` })
        return z.NEVER
      }
    }
    return { kind: 'cidrs', cidrs }
  })
}
