import { z } from 'zod'

/**
 * The one place that reads `process.env`. Every setting is validated once at boot; a bad value stops the
 * process with one message naming every bad variable. API.md lists the names and defaults.
 */

const DEV_SECRET = 'dev-only-secret-key-do-not-use-in-production'

const bool = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim().toLowerCase())
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', '']).optional())
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'))

const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback
      if (!/^\d+$/.test(v.trim())) {
        ctx.addIssue({ code: 'custom', message: `expected a whole number, got "${v}"` })
        return z.NEVER
      }
      return Number(v.trim())
    })
    .pipe(z.number().int().min(min).max(max))

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

const e164 = /^\+[1-9]\d{6,14}$/

/** libphonenumber-js number types, plus UNKNOWN for valid numbers whose type its metadata cannot tell. */
export const NUMBER_TYPES = [
  'MOBILE',
  'FIXED_LINE_OR_MOBILE',
  'FIXED_LINE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
  'UNKNOWN',
] as const

const hostPorts = list.transform((l, ctx) =>
  l.map((entry) => {
    const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(entry)
    if (m?.[1] === undefined || m[2] === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port` })
      return { host: '', port: 0 }
    }
    return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }
  }),
)

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).optional().default('development'),
    SIGNALWIRE_PROJECT: optionalString,
    SIGNALWIRE_TOKEN: optionalString,
    SIGNALWIRE_NUMBER: list.refine((l) => l.every((n) => e164.test(n)), 'every number must be E.164, e.g. +12015550123'),
    SIGNALWIRE_SPACE: optionalString,
    SIGNALWIRE_HOST: optionalString,
    SIGNALWIRE_CONTEXT: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? 'otp' : v.trim()))
      .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, dot, dash or underscore')),
    SMS_PROVIDER: z.enum(['signalwire', 'console']).optional(),
    REDIS_URL: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? 'redis://127.0.0.1:6379' : v.trim()))
      .pipe(z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')),
    KEY_PREFIX: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? '2fa' : v.trim()))
      .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,48}$/, 'letters, digits, dot, dash or underscore (no braces or colons)')),
    PORT: int(3000, 0, 65535),
    HOST: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? '0.0.0.0' : v.trim())),
    SECRET_KEY: optionalString,
    API_KEYS: list,
    CODE_LENGTH: int(6, 4, 10),
    CODE_TTL_SECONDS: int(600, 10, 86_400),
    MAX_CHECK_ATTEMPTS: int(5, 1, 100),
    MAX_SENDS_PER_WINDOW: int(5, 1, 1_000_000),
    SEND_WINDOW_SECONDS: int(600, 1, 86_400 * 7),
    RESEND_COOLDOWN_SECONDS: int(30, 0, 86_400),
    ALLOWED_COUNTRIES: list
      .transform((l) => l.map((c) => c.toUpperCase()))
      .refine((l) => l.every((c) => /^[A-Z]{2}$/.test(c)), 'ISO 3166 alpha-2 codes, e.g. US,CA'),
    DEFAULT_COUNTRY: optionalString
      .transform((v) => v?.toUpperCase())
      .refine((v) => v === undefined || /^[A-Z]{2}$/.test(v), 'an ISO 3166 alpha-2 code, e.g. US'),
    PUBLIC_ROUTES: bool(true),
    SMS_TEMPLATE: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v === '' ? 'Your verification code is: {code}' : v))
      .refine((v) => v.includes('{code}'), 'must contain {code}'),
    WEBOTP_DOMAIN: optionalString.refine(
      (v) => v === undefined || /^[a-z0-9.-]+(:\d+)?$/i.test(v),
      'a host name such as example.com',
    ),
    WORKER_CONCURRENCY: int(50, 1, 10_000),
    SEND_RATE_PER_SECOND: int(0, 0, 100_000),
    SEND_TIMEOUT_MS: int(10_000, 100, 120_000),
    SEND_ATTEMPTS: int(10, 1, 100),
    SHUTDOWN_TIMEOUT_MS: int(10_000, 100, 120_000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
    WORKER_LOCK_SECONDS: int(30, 2, 3_600),
    MAX_FAILED_CHECKS_PER_DAY: int(20, 0, 1_000_000),
    IP_SENDS_PER_HOUR: int(20, 0, 10_000_000),
    TRUST_PROXY: bool(false),
    COUNTRY_SENDS_PER_HOUR: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const limits: Record<string, number> = {}
        for (const part of (v ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
          const m = /^([A-Za-z]{2}|\*):(\d{1,9})$/.exec(part)
          if (m?.[1] === undefined || m[2] === undefined) {
            ctx.addIssue({ code: 'custom', message: `"${part}" is not COUNTRY:LIMIT (e.g. US:1000,*:50)` })
            return z.NEVER
          }
          limits[m[1].toUpperCase()] = Number(m[2])
        }
        return limits
      }),
    GLOBAL_SENDS_PER_HOUR: int(0, 0, 1_000_000_000),
    ALLOWED_NUMBER_TYPES: list
      .transform((l) => (l.length === 0 ? ['MOBILE', 'FIXED_LINE_OR_MOBILE'] : l.map((t) => t.toUpperCase())))
      .refine(
        (l) => l.every((t) => (NUMBER_TYPES as readonly string[]).includes(t)),
        `each one of ${NUMBER_TYPES.join(', ')}`,
      ),
    CORS_ORIGINS: list.refine((l) => l.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), 'origins such as https://app.example.com'),
    ADMIN_PORT: int(3001, 0, 65535),
    ADMIN_HOST: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? '127.0.0.1' : v.trim())),
    ADMIN_USER: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? 'admin' : v.trim())),
    ADMIN_PASSWORD: optionalString,
    ADMIN_READ_ONLY: bool(true),
    WORKER_ADMIN_PORT: int(3002, 0, 65535),
    REDIS_CLUSTER_NODES: hostPorts,
    REDIS_SENTINELS: hostPorts,
    REDIS_SENTINEL_NAME: optionalString,
  })

/**
 * Rules that span several variables. They read the raw values, so that they are reported together with any
 * single bad variable instead of hiding behind it.
 */
function crossFieldIssues(source: Record<string, string | undefined>): string[] {
  const value = (name: string): string | undefined => {
    const v = source[name]?.trim()
    return v === undefined || v === '' ? undefined : v
  }
  const issues: string[] = []
  const production = value('NODE_ENV') === 'production'
  const secret = value('SECRET_KEY')
  if (production && (secret === undefined || secret.length < 32)) {
    issues.push('  SECRET_KEY: required, at least 32 characters, when NODE_ENV=production')
  } else if (secret !== undefined && secret.length < 16) {
    issues.push('  SECRET_KEY: at least 16 characters (32 or more in production)')
  }
  const provider = value('SMS_PROVIDER') ?? (value('SIGNALWIRE_PROJECT') !== undefined ? 'signalwire' : 'console')
  if (provider === 'console' && production) {
    issues.push('  SMS_PROVIDER: the console provider is refused when NODE_ENV=production')
  }
  if (provider === 'signalwire') {
    for (const name of ['SIGNALWIRE_PROJECT', 'SIGNALWIRE_TOKEN', 'SIGNALWIRE_NUMBER']) {
      if (value(name) === undefined) issues.push(`  ${name}: required with SMS_PROVIDER=signalwire`)
    }
  }
  if (value('REDIS_CLUSTER_NODES') !== undefined && value('REDIS_SENTINELS') !== undefined) {
    issues.push('  REDIS_SENTINELS: give either REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both')
  }
  if (value('REDIS_SENTINELS') !== undefined && value('REDIS_SENTINEL_NAME') === undefined) {
    issues.push('  REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored primary name)')
  }
  return issues
}

export type Env = z.input<typeof envSchema>

export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test'
  readonly production: boolean
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  readonly http: { readonly port: number; readonly host: string; readonly publicRoutes: boolean }
  readonly redis: { readonly url: string; readonly keyPrefix: string }
  /** `usingDevSecret` is true when SECRET_KEY was not set and the built-in development key is used. */
  readonly secret: { readonly key: string; readonly usingDevSecret: boolean }
  readonly apiKeys: readonly string[]
  readonly codes: {
    readonly length: number
    readonly ttlSeconds: number
    readonly maxCheckAttempts: number
  }
  readonly limits: {
    readonly maxSendsPerWindow: number
    readonly sendWindowSeconds: number
    readonly resendCooldownSeconds: number
  }
  readonly phone: { readonly allowedCountries: readonly string[]; readonly defaultCountry: string | undefined }
  readonly sms: { readonly template: string; readonly webOtpDomain: string | undefined }
  readonly provider:
    | { readonly kind: 'console' }
    | {
        readonly kind: 'signalwire'
        readonly project: string
        readonly token: string
        readonly numbers: readonly string[]
        readonly space: string | undefined
        readonly host: string | undefined
        readonly context: string
      }
  readonly worker: {
    readonly concurrency: number
    readonly ratePerSecond: number
    readonly sendTimeoutMs: number
    readonly sendAttempts: number
  }
  readonly shutdownTimeoutMs: number
  readonly abuse: {
    /** wrong codes per number per day, across verifications; 0 = no budget */
    readonly maxFailedChecksPerDay: number
    /** sends per client IP per hour on the public form routes; 0 = no limit */
    readonly ipSendsPerHour: number
    readonly trustProxy: boolean
    /** per-country hourly send limits; '*' applies to every country not named */
    readonly countrySendsPerHour: Readonly<Record<string, number>>
    /** 0 = no cap */
    readonly globalSendsPerHour: number
    readonly allowedNumberTypes: readonly string[]
  }
  readonly corsOrigins: readonly string[]
  readonly admin: {
    readonly port: number
    readonly host: string
    readonly user: string
    /** no password: no admin listener */
    readonly password: string | undefined
    readonly readOnly: boolean
    readonly workerPort: number
  }
  readonly redisTopology:
    | { readonly kind: 'single' }
    | { readonly kind: 'cluster'; readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }> }
    | {
        readonly kind: 'sentinel'
        readonly sentinels: ReadonlyArray<{ readonly host: string; readonly port: number }>
        readonly name: string
      }
  /** BullMQ lock duration: how long a job may go without its worker's heartbeat before another worker takes it */
  readonly workerLockMs: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses the environment (defaults to `process.env`) into a frozen Config, or throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set": `.env` files and compose pass-throughs produce them.
  source = Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v === undefined || v.trim() === '' ? undefined : v]))
  const parsed = envSchema.safeParse(source)
  const lines = parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`)
  lines.push(...crossFieldIssues(source))
  if (!parsed.success || lines.length > 0) {
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  const env = parsed.data
  const providerKind = env.SMS_PROVIDER ?? (env.SIGNALWIRE_PROJECT !== undefined ? 'signalwire' : 'console')
  const provider: Config['provider'] =
    providerKind === 'signalwire'
      ? {
          kind: 'signalwire',
          // crossFieldIssues guarantees these for the signalwire provider.
          project: env.SIGNALWIRE_PROJECT ?? '',
          token: env.SIGNALWIRE_TOKEN ?? '',
          numbers: env.SIGNALWIRE_NUMBER,
          space: env.SIGNALWIRE_SPACE,
          host: env.SIGNALWIRE_HOST,
          context: env.SIGNALWIRE_CONTEXT,
        }
      : { kind: 'console' }

  const config: Config = {
    nodeEnv: env.NODE_ENV,
    production: env.NODE_ENV === 'production',
    logLevel: env.LOG_LEVEL,
    http: { port: env.PORT, host: env.HOST, publicRoutes: env.PUBLIC_ROUTES },
    redis: { url: env.REDIS_URL, keyPrefix: env.KEY_PREFIX },
    secret: { key: env.SECRET_KEY ?? DEV_SECRET, usingDevSecret: env.SECRET_KEY === undefined },
    apiKeys: env.API_KEYS,
    codes: { length: env.CODE_LENGTH, ttlSeconds: env.CODE_TTL_SECONDS, maxCheckAttempts: env.MAX_CHECK_ATTEMPTS },
    limits: {
      maxSendsPerWindow: env.MAX_SENDS_PER_WINDOW,
      sendWindowSeconds: env.SEND_WINDOW_SECONDS,
      resendCooldownSeconds: env.RESEND_COOLDOWN_SECONDS,
    },
    phone: { allowedCountries: env.ALLOWED_COUNTRIES, defaultCountry: env.DEFAULT_COUNTRY },
    sms: { template: env.SMS_TEMPLATE, webOtpDomain: env.WEBOTP_DOMAIN },
    provider,
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      ratePerSecond: env.SEND_RATE_PER_SECOND,
      sendTimeoutMs: env.SEND_TIMEOUT_MS,
      sendAttempts: env.SEND_ATTEMPTS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    abuse: {
      maxFailedChecksPerDay: env.MAX_FAILED_CHECKS_PER_DAY,
      ipSendsPerHour: env.IP_SENDS_PER_HOUR,
      trustProxy: env.TRUST_PROXY,
      countrySendsPerHour: env.COUNTRY_SENDS_PER_HOUR,
      globalSendsPerHour: env.GLOBAL_SENDS_PER_HOUR,
      allowedNumberTypes: env.ALLOWED_NUMBER_TYPES,
    },
    corsOrigins: env.CORS_ORIGINS,
    admin: {
      port: env.ADMIN_PORT,
      host: env.ADMIN_HOST,
      user: env.ADMIN_USER,
      password: env.ADMIN_PASSWORD,
      readOnly: env.ADMIN_READ_ONLY,
      workerPort: env.WORKER_ADMIN_PORT,
    },
    redisTopology:
      env.REDIS_CLUSTER_NODES.length > 0
        ? { kind: 'cluster', nodes: env.REDIS_CLUSTER_NODES }
        : env.REDIS_SENTINELS.length > 0
          ? { kind: 'sentinel', sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME ?? '' }
          : { kind: 'single' },
    workerLockMs: env.WORKER_LOCK_SECONDS * 1000,
  }
  return deepFreeze(config)
}

/** Reads `.env` from the working directory when present (Node's own parser), without overriding real variables. */
export function loadDotEnv(path = '.env'): void {
  try {
    process.loadEnvFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}
