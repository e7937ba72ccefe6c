import { z } from 'zod'
import { LOCALES, resolveLocale } from '../messages/locales.js'
import { bool, hostPorts, int, list, oneOf, optionalText, ratio, setting, text, trustProxy } from './settings.js'

/*
 * Every setting of the service, once: its variable, its default and its meaning, in sections. `Config` is this
 * schema's output type. example.env and the README's table are written from it (npm run settings), and a test
 * checks them and docker-compose.yml against it.
 */

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

/** Used when SECRET_KEY is not set, outside production only; the processes warn at boot. */
export const DEV_SECRET = 'dev-only-secret-key-do-not-use-in-production'

const E164 = /^\+[1-9]\d{6,14}$/
const SAFE_NAME = { regex: /^[A-Za-z0-9_.-]{1,64}$/, message: 'letters, digits, dot, dash or underscore' }

const runtime = z
  .object({
    nodeEnv: setting('NODE_ENV', oneOf(['development', 'production', 'test'], 'development'), 'development, production or test; production requires SECRET_KEY and refuses the console provider'),
    logLevel: setting('LOG_LEVEL', oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'), 'pino level: fatal, error, warn, info, debug, trace, silent'),
    shutdownTimeoutMs: setting('SHUTDOWN_TIMEOUT_MS', int(10_000, 100, 120_000), 'how long a process may take to stop after SIGTERM before it exits anyway (ms)'),
  })
  .transform((r) => ({ ...r, production: r.nodeEnv === 'production' }))

const http = z.object({
  port: setting('PORT', int(3000, 0, 65535), 'public HTTP port of the API'),
  host: setting('HOST', text('0.0.0.0'), 'interface the API listens on'),
  publicRoutes: setting('PUBLIC_ROUTES', bool(true), 'serve the demo page / and the form routes /request-auth and /validate-auth'),
  corsOrigins: setting(
    'CORS_ORIGINS',
    list().refine((l) => l.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), 'origins such as https://app.example.com'),
    'browser origins allowed to call /v1 (CORS), e.g. https://app.example.com; empty: CORS closed',
  ),
  trustProxy: setting(
    'TRUST_PROXY',
    trustProxy(),
    'which proxies to believe about the client IP (X-Forwarded-For): false, true (one hop), a hop count, or proxy CIDRs such as 10.0.0.0/8,172.16.0.0/12; the client is the first address that is not a trusted proxy',
    { shownDefault: 'false' },
  ),
})

const redis = z
  .object({
    url: setting(
      'REDIS_URL',
      text('redis://127.0.0.1:6379', { regex: /^rediss?:\/\//, message: 'must start with redis:// or rediss://' }),
      'Redis connection',
    ),
    keyPrefix: setting(
      'KEY_PREFIX',
      text('2fa', { regex: /^[A-Za-z0-9_.-]{1,48}$/, message: 'letters, digits, dot, dash or underscore (no braces or colons)' }),
      'prefix of every Redis key and of the queues',
    ),
    clusterNodes: setting('REDIS_CLUSTER_NODES', hostPorts(), 'a Redis Cluster instead of REDIS_URL: host:port,host:port,…'),
    sentinels: setting('REDIS_SENTINELS', hostPorts(), 'Redis Sentinel instead of REDIS_URL: the sentinels, host:port,…'),
    sentinelName: setting('REDIS_SENTINEL_NAME', optionalText(), 'with REDIS_SENTINELS: the monitored primary’s name'),
  })
  .transform(({ url, keyPrefix, clusterNodes, sentinels, sentinelName }) => ({
    url,
    keyPrefix,
    topology:
      clusterNodes.length > 0
        ? ({ kind: 'cluster', nodes: clusterNodes } as const)
        : sentinels.length > 0
          ? ({ kind: 'sentinel', sentinels, name: sentinelName ?? '' } as const)
          : ({ kind: 'single' } as const),
  }))

const secret = z
  .object({
    key: setting('SECRET_KEY', optionalText(), 'key material for hashing and sealing codes and naming numbers in Redis; at least 32 characters in production (openssl rand -base64 48)', { secret: true }),
    previous: setting(
      'SECRET_KEY_PREVIOUS',
      optionalText(),
      'the key being rotated out: what it sealed or hashed still opens and checks, new data uses SECRET_KEY; remove it a day after the rotation',
      { secret: true },
    ),
  })
  .transform(({ key, previous }) => ({ key: key ?? DEV_SECRET, previous, usingDevSecret: key === undefined }))

const auth = z.object({
  apiKeys: setting('API_KEYS', list(), 'comma-separated bearer keys for /v1 (several at once, to rotate); none: every /v1 call is 401', { secret: true }),
})

const provider = z
  .object({
    kind: setting('SMS_PROVIDER', z.enum(['signalwire', 'console']).optional(), 'signalwire or console (logs the SMS); default: signalwire when SIGNALWIRE_PROJECT is set, else console'),
    project: setting('SIGNALWIRE_PROJECT', optionalText(), 'SignalWire project id'),
    token: setting('SIGNALWIRE_TOKEN', optionalText(), 'SignalWire API token', { secret: true }),
    numbers: setting(
      'SIGNALWIRE_NUMBER',
      list().refine((l) => l.every((n) => E164.test(n)), 'every number must be E.164, e.g. +12015550123'),
      'sender number, E.164; a comma-separated list is a pool and each recipient keeps its sender',
    ),
    space: setting('SIGNALWIRE_SPACE', optionalText(), 'your space host, e.g. example.signalwire.com'),
    host: setting('SIGNALWIRE_HOST', optionalText(), 'RELAY host for the SDK (ws://127.0.0.1:9500 for the fake relay in test/); empty: SignalWire’s'),
    context: setting('SIGNALWIRE_CONTEXT', text('otp', SAFE_NAME), 'RELAY context (topic) the worker sends with and listens on for delivery receipts'),
  })
  .transform(({ kind, ...signalwire }) =>
    (kind ?? (signalwire.project !== undefined ? 'signalwire' : 'console')) === 'signalwire'
      ? // The cross-field rules guarantee project, token and a number for the signalwire provider.
        ({ kind: 'signalwire', ...signalwire, project: signalwire.project ?? '', token: signalwire.token ?? '' } as const)
      : ({ kind: 'console' } as const),
  )

const codes = z.object({
  length: setting('CODE_LENGTH', int(6, 4, 10), 'digits per code, 4-10'),
  ttlSeconds: setting('CODE_TTL_SECONDS', int(600, 10, 86_400), 'how long a code is valid (seconds)'),
  maxCheckAttempts: setting('MAX_CHECK_ATTEMPTS', int(5, 1, 100), 'wrong codes allowed per verification'),
})

const service = z.object({
  name: setting('SERVICE_NAME', text('SMS 2FA').refine((v) => v.length <= 30, 'at most 30 characters'), 'the default service’s name, said in its messages ({name}); at most 30 characters'),
  defaultLocale: setting(
    'DEFAULT_LOCALE',
    text('en')
      .transform((v) => resolveLocale(v))
      .refine((v) => v !== undefined, `a language the service has texts for: ${Object.keys(LOCALES).join(', ')}`)
      .transform((v) => v ?? 'en'),
    'language of the messages when the request names none and the destination’s country has none of its own',
    { shownDefault: 'en' },
  ),
})

const sms = z.object({
  template: setting(
    'SMS_TEMPLATE',
    optionalText().refine((v) => v === undefined || v.includes('{code}'), 'must contain {code}'),
    'your own message text for the built-in services ({code}, and {name} for SERVICE_NAME), used as it is in every language; empty: the built-in texts, in the recipient’s language',
  ),
  webOtpDomain: setting(
    'WEBOTP_DOMAIN',
    optionalText().refine((v) => v === undefined || /^[a-z0-9.-]+(:\d+)?$/i.test(v), 'a host name such as example.com'),
    'when set, the SMS ends with "@<domain> #<code>" so browsers and phones can fill the code in (WebOTP)',
  ),
})

const limits = z.object({
  maxSendsPerWindow: setting('MAX_SENDS_PER_WINDOW', int(5, 1, 1_000_000), 'sends to one number per window'),
  sendWindowSeconds: setting('SEND_WINDOW_SECONDS', int(600, 1, 86_400 * 7), 'the window of MAX_SENDS_PER_WINDOW (seconds)'),
  resendCooldownSeconds: setting('RESEND_COOLDOWN_SECONDS', int(30, 0, 86_400), 'minimum gap between two sends to one number (seconds)'),
  maxFailedChecksPerDay: setting('MAX_FAILED_CHECKS_PER_DAY', int(20, 0, 1_000_000), 'wrong codes per number per day, across verifications (new codes do not reset it); 0: no budget'),
  ipSendsPerHour: setting('IP_SENDS_PER_HOUR', int(20, 0, 10_000_000), 'sends per client IP per hour on the public form routes; 0: no limit'),
  countrySendsPerHour: setting(
    'COUNTRY_SENDS_PER_HOUR',
    z
      .string()
      .optional()
      .transform((v, ctx) => {
        const perCountry: Record<string, number> = {}
        for (const part of (v ?? '').split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
          const m = /^([A-Za-z]{2}|\*):(\d{1,9})$/.exec(part)
          if (m?.[1] === undefined || m[2] === undefined) {
            ctx.addIssue({ code: 'custom', message: `"${part}" is not COUNTRY:LIMIT (e.g. US:1000,*:50)` })
            return z.NEVER
          }
          perCountry[m[1].toUpperCase()] = Number(m[2])
        }
        return perCountry
      }),
    'per-country hourly send limits, e.g. US:1000,*:50 (* is every country not named); empty: no limit',
  ),
  globalSendsPerHour: setting('GLOBAL_SENDS_PER_HOUR', int(0, 0, 1_000_000_000), 'hourly cap on all sends, a spend limit; 0: no cap', { shownDefault: '' }),
})

const phone = z.object({
  allowedCountries: setting(
    'ALLOWED_COUNTRIES',
    list()
      .transform((l) => l.map((c) => c.toUpperCase()))
      .refine((l) => l.every((c) => /^[A-Z]{2}$/.test(c)), 'ISO 3166 alpha-2 codes, e.g. US,CA'),
    'ISO 3166 alpha-2 countries that may receive codes, e.g. US,CA; empty: all',
  ),
  defaultCountry: setting(
    'DEFAULT_COUNTRY',
    optionalText()
      .transform((v) => v?.toUpperCase())
      .refine((v) => v === undefined || /^[A-Z]{2}$/.test(v), 'an ISO 3166 alpha-2 code, e.g. US'),
    'region for numbers typed without a country code, e.g. US; empty: numbers carry their country code',
  ),
  allowedNumberTypes: setting(
    'ALLOWED_NUMBER_TYPES',
    list()
      .transform((l) => (l.length === 0 ? ['MOBILE', 'FIXED_LINE_OR_MOBILE'] : l.map((t) => t.toUpperCase())))
      .refine((l) => l.every((t) => (NUMBER_TYPES as readonly string[]).includes(t)), `each one of ${NUMBER_TYPES.join(', ')}`),
    `number types that may receive codes: ${NUMBER_TYPES.join(', ')}`,
    { shownDefault: 'MOBILE,FIXED_LINE_OR_MOBILE' },
  ),
})

/** `+15005550006:123456`: a number and its fixed code. */
const TEST_NUMBER = /^\+[1-9]\d{6,14}:[0-9A-Za-z]{4,10}$/

const fraud = z.object({
  mode: setting('FRAUD_GUARD', oneOf(['enforce', 'monitor', 'off'], 'enforce'), 'enforce, monitor (judge, log and count, refuse nothing) or off'),
  prefixDigits: setting('FRAUD_PREFIX_DIGITS', int(4, 1, 8), 'national digits in a prefix (+447911 for +447911123456 with 4)'),
  minSends: setting('FRAUD_MIN_SENDS', int(20, 1, 1_000_000), 'codes sent to a prefix in the window before it is judged'),
  minConversion: setting('FRAUD_MIN_CONVERSION', ratio(0.2), 'share of the judged verifications of a prefix that must be approved'),
  windowSeconds: setting('FRAUD_WINDOW_SECONDS', int(3_600, 10, 7 * 86_400), 'the window sends and approvals are counted over (seconds)'),
  graceSeconds: setting('FRAUD_GRACE_SECONDS', int(300, 0, 86_400), 'a verification is judged once it ended or is this old (seconds)'),
  blockSeconds: setting('FRAUD_BLOCK_SECONDS', int(900, 1, 43_200), 'the first block of a prefix (seconds); doubled each time it is blocked again, up to 12 hours'),
  safeList: setting(
    'FRAUD_SAFE_LIST',
    list().refine((l) => l.every((e) => /^\+[1-9]\d{0,14}$/.test(e)), 'E.164 numbers or prefixes, e.g. +12015550123,+1201555'),
    'E.164 numbers or prefixes (+1201555) the guard never refuses',
  ),
  testNumbers: setting(
    'TEST_NUMBERS',
    list()
      .refine((l) => l.every((e) => TEST_NUMBER.test(e)), 'each entry is +E.164:code, e.g. +15005550006:123456 (a code of 4 to 10 letters or digits)')
      .transform((l) => l.map((e) => ({ number: e.slice(0, e.indexOf(':')), code: e.slice(e.indexOf(':') + 1).toUpperCase() }))),
    'number:code pairs (+15005550006:123456): each number always gets its code, nothing is sent, no limit or fraud counter moves',
    { secret: true },
  ),
})

const webhooks = z.object({
  urls: setting(
    'WEBHOOK_URLS',
    list().refine((l) => l.every((u) => /^https?:\/\/[^/\s]+/.test(u) && URL.canParse(u)), 'comma-separated http(s):// URLs'),
    'comma list of https:// endpoints every event is POSTed to (http:// only with WEBHOOK_ALLOW_PRIVATE); none: no events are sent',
  ),
  secret: setting(
    'WEBHOOK_SECRET',
    optionalText().refine((v) => v === undefined || webhookSecretBytes(v) !== undefined, 'whsec_ followed by the base64 of 24 to 64 random bytes'),
    'the Standard Webhooks signing key: whsec_ + base64 of 24–64 random bytes; required with WEBHOOK_URLS',
    { secret: true },
  ),
  retrySchedule: setting(
    'WEBHOOK_RETRY_SCHEDULE',
    list()
      .refine((l) => l.every((d) => /^\d{1,6}$/.test(d)), 'comma-separated whole seconds, e.g. 5,300,1800')
      .transform((l) => (l.length === 0 ? [5, 300, 1800, 7200, 18000, 36000, 36000] : l.map(Number))),
    'seconds before each retry of an event a receiver did not take (a non-2xx answer or none in time); 410 stops them',
    { shownDefault: '5,300,1800,7200,18000,36000,36000' },
  ),
  timeoutMs: setting('WEBHOOK_TIMEOUT_MS', int(5_000, 100, 60_000), 'time limit of one webhook attempt (ms)'),
  allowPrivate: setting('WEBHOOK_ALLOW_PRIVATE', bool(false), 'allow endpoints on loopback and private addresses (otherwise refused at boot and when resolved)'),
})

/**
 * A host that names this machine or a private network: loopback, RFC 1918, link-local, CGNAT, unique-local IPv6,
 * `localhost`. Names are resolved when an event is sent (webhooks/address-guard.ts); here only literals are known.
 */
export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  return isPrivateAddress(h)
}

/** Whether an IP address (v4 or v6, as text) is loopback, private, link-local, CGNAT, unspecified or unique-local. */
export function isPrivateAddress(address: string): boolean {
  const a = address.toLowerCase()
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a)
  if (v4 !== null) {
    const [x = 0, y = 0] = [Number(v4[1]), Number(v4[2])]
    return x === 0 || x === 10 || x === 127 || (x === 100 && y >= 64 && y <= 127) || (x === 169 && y === 254) || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168)
  }
  if (!a.includes(':')) return false
  return a === '::' || a === '::1' || /^f[cd][0-9a-f]{2}:/.test(a) || /^fe[89ab][0-9a-f]:/.test(a)
}

/** The key bytes of a `whsec_…` secret, or undefined when it is not one. */
export function webhookSecretBytes(secret: string): Buffer | undefined {
  if (!secret.startsWith('whsec_')) return undefined
  const b64 = secret.slice('whsec_'.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined
  const bytes = Buffer.from(b64, 'base64')
  return bytes.length >= 24 && bytes.length <= 64 ? bytes : undefined
}

const calls = z.object({
  allowedNumberTypes: setting(
    'ALLOWED_CALL_NUMBER_TYPES',
    list()
      .transform((l) => (l.length === 0 ? ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'] : l.map((t) => t.toUpperCase())))
      .refine((l) => l.every((t) => (NUMBER_TYPES as readonly string[]).includes(t)), `each one of ${NUMBER_TYPES.join(', ')}`),
    'number types that may receive calls (ALLOWED_NUMBER_TYPES stays the SMS list)',
    { shownDefault: 'MOBILE,FIXED_LINE,FIXED_LINE_OR_MOBILE' },
  ),
  maxConcurrent: setting('MAX_CONCURRENT_CALLS', int(10, 1, 1_000), 'calls in progress per worker process (they do not hold up SMS)'),
  fallbackAfterSeconds: setting(
    'CALL_FALLBACK_AFTER_SECONDS',
    int(60, 1, 3_600),
    'with fallback "call": the code is spoken in a call when the SMS has no delivered receipt after this long (seconds), or at once when it ends undelivered or failed',
  ),
})

const worker = z
  .object({
    concurrency: setting('WORKER_CONCURRENCY', int(50, 1, 10_000), 'jobs in flight per worker process'),
    ratePerSecond: setting('SEND_RATE_PER_SECOND', int(0, 0, 100_000), 'messages per second across all workers (your provider’s MPS); 0: unlimited'),
    sendTimeoutMs: setting('SEND_TIMEOUT_MS', int(10_000, 100, 120_000), 'time limit of one send (ms); never beyond the code’s expiry'),
    sendAttempts: setting('SEND_ATTEMPTS', int(10, 1, 100), 'tries per SMS before it is recorded as failed (backing off exponentially, with jitter)'),
    lockSeconds: setting('WORKER_LOCK_SECONDS', int(30, 2, 3_600), 'how long a job may go without its worker’s heartbeat before another worker takes it (seconds)'),
  })
  .transform(({ lockSeconds, ...rest }) => ({ ...rest, lockMs: lockSeconds * 1000 }))

/** `AC…:token` (Twilio) or `project:token` (SignalWire) pairs. */
function credentialPairs(pattern: RegExp, example: string) {
  return list().transform((entries, ctx) =>
    entries.map((entry) => {
      const colon = entry.indexOf(':')
      const user = entry.slice(0, colon)
      const secretPart = entry.slice(colon + 1)
      if (colon <= 0 || !pattern.test(user) || secretPart.length === 0) {
        ctx.addIssue({ code: 'custom', message: `each entry is ${example}` })
        return { user: '', secret: '' }
      }
      return { user, secret: secretPart }
    }),
  )
}

const compat = z.object({
  twilioCredentials: setting(
    'TWILIO_COMPAT_CREDENTIALS',
    credentialPairs(/^AC[0-9a-f]{32}$/, 'AccountSid:AuthToken, the sid AC + 32 lowercase hex'),
    'comma-separated AccountSid:AuthToken pairs accepted by HTTP Basic auth on the Twilio Verify v2 API at /v2; none: every /v2 call is 401',
    { secret: true },
  ),
  mfaCredentials: setting(
    'SIGNALWIRE_MFA_CREDENTIALS',
    credentialPairs(/^[\w.-]{1,64}$/, 'project:token'),
    'comma-separated project:token pairs accepted by HTTP Basic auth on the SignalWire MFA API at /api/relay/rest/mfa; none: every call is 401',
    { secret: true },
  ),
  publicBaseUrl: setting(
    'PUBLIC_BASE_URL',
    optionalText()
      .refine((v) => v === undefined || /^https?:\/\/[^/\s]+$/.test(v.replace(/\/$/, '')), 'the external origin, e.g. https://verify.example.com')
      .transform((v) => v?.replace(/\/$/, '')),
    'the service’s external URL, for the absolute url, links and page URLs of /v2 answers; empty: built from the request’s Host',
  ),
})

const admin = z.object({
  port: setting('ADMIN_PORT', int(3001, 0, 65535), 'the API’s admin listener: queue dashboard /admin/queues and Prometheus /metrics'),
  host: setting('ADMIN_HOST', text('127.0.0.1'), 'interface of the admin listeners'),
  user: setting('ADMIN_USER', text('admin'), 'basic-auth user of the admin listeners'),
  password: setting('ADMIN_PASSWORD', optionalText(), 'basic-auth password of the admin listeners; none: no admin listener', { secret: true }),
  readOnly: setting('ADMIN_READ_ONLY', bool(true), 'the queue dashboard cannot retry, remove or promote jobs unless this is false'),
  workerPort: setting('WORKER_ADMIN_PORT', int(3002, 0, 65535), 'the worker’s own listener: /healthz and /metrics'),
})

/** The sections, in the order example.env and the README show them. */
export const sections = { runtime, http, redis, secret, auth, compat, provider, service, codes, sms, limits, fraud, phone, calls, webhooks, worker, admin }

/** Section titles for example.env and the README. */
export const SECTION_TITLES: Record<keyof typeof sections, string> = {
  runtime: 'Runtime',
  http: 'HTTP',
  redis: 'Redis',
  secret: 'Secrets',
  auth: 'Access',
  compat: 'Compatible APIs (Twilio Verify, SignalWire MFA)',
  provider: 'SMS provider',
  service: 'Default service',
  codes: 'Codes',
  sms: 'Message',
  limits: 'Limits',
  fraud: 'Fraud guard (SMS pumping) and test numbers',
  phone: 'Phone numbers',
  calls: 'Voice calls',
  webhooks: 'Signed webhooks',
  worker: 'Worker',
  admin: 'Operators',
}

export const configSchema = z.object(sections)

/** The parsed configuration: the schema's output, frozen at load (and read-only to the type checker too). */
export type Config = DeepReadonly<z.output<typeof configSchema>>

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T

/** Shortest API key and admin password accepted in production. */
const MIN_PRODUCTION_SECRET = 20

/** A RELAY host that does not send the token in clear over a network: wss://, a bare host (the SDK adds wss://), or loopback. */
export function relayIsSafe(host: string): boolean {
  if (!host.startsWith('ws://')) return true
  const hostname = host.slice('ws://'.length).split('/')[0]?.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') ?? ''
  return hostname === 'localhost' || hostname === '::1' || /^127\./.test(hostname)
}

/** Rules that span several variables, over the raw values, so a bad single variable never hides them. */
export function crossFieldIssues(value: (name: string) => string | undefined): string[] {
  const issues: string[] = []
  const production = value('NODE_ENV') === 'production'
  const secretKey = value('SECRET_KEY')
  const providerKind = value('SMS_PROVIDER') ?? (value('SIGNALWIRE_PROJECT') !== undefined ? 'signalwire' : 'console')
  if (production && (secretKey === undefined || secretKey.length < 32)) {
    issues.push('SECRET_KEY: required, at least 32 characters, when NODE_ENV=production')
  } else if (secretKey === undefined && providerKind === 'signalwire') {
    // Real codes to real phones: never under the published development key, whatever NODE_ENV says.
    issues.push('SECRET_KEY: required with SMS_PROVIDER=signalwire (the built-in development key is published)')
  } else if (secretKey !== undefined && secretKey.length < 16) {
    issues.push('SECRET_KEY: at least 16 characters (32 or more in production)')
  }
  const previousKey = value('SECRET_KEY_PREVIOUS')
  if (previousKey !== undefined && previousKey.length < (production ? 32 : 16)) issues.push(`SECRET_KEY_PREVIOUS: at least ${production ? 32 : 16} characters`)
  if (previousKey !== undefined && previousKey === secretKey) issues.push('SECRET_KEY_PREVIOUS: the same as SECRET_KEY')
  if (production) {
    const apiKeys = (value('API_KEYS') ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 0)
    if (apiKeys.some((k) => k.length < MIN_PRODUCTION_SECRET)) issues.push(`API_KEYS: each key at least ${MIN_PRODUCTION_SECRET} characters when NODE_ENV=production`)
    for (const name of ['TWILIO_COMPAT_CREDENTIALS', 'SIGNALWIRE_MFA_CREDENTIALS']) {
      const tokens = (value(name) ?? '').split(',').map((p) => p.trim()).map((p) => p.slice(p.indexOf(':') + 1)).filter((t) => t.length > 0)
      if (tokens.some((t) => t.length < MIN_PRODUCTION_SECRET)) issues.push(`${name}: each token at least ${MIN_PRODUCTION_SECRET} characters when NODE_ENV=production`)
    }
    const password = value('ADMIN_PASSWORD')
    if (password !== undefined && password.length < MIN_PRODUCTION_SECRET) issues.push(`ADMIN_PASSWORD: at least ${MIN_PRODUCTION_SECRET} characters when NODE_ENV=production`)
  }
  const relayHost = value('SIGNALWIRE_HOST')
  if (production && relayHost !== undefined && providerKind === 'signalwire' && !relayIsSafe(relayHost)) {
    issues.push('SIGNALWIRE_HOST: ws:// sends the SignalWire token in clear; use wss:// (or ws:// to a loopback address only)')
  }
  if (providerKind === 'console' && production) issues.push('SMS_PROVIDER: the console provider is refused when NODE_ENV=production')
  if (providerKind === 'signalwire') {
    for (const name of ['SIGNALWIRE_PROJECT', 'SIGNALWIRE_TOKEN', 'SIGNALWIRE_NUMBER']) {
      if (value(name) === undefined) issues.push(`${name}: required with SMS_PROVIDER=signalwire`)
    }
  }
  const webhookUrls = (value('WEBHOOK_URLS') ?? '').split(',').map((u) => u.trim()).filter((u) => u.length > 0)
  if (webhookUrls.length > 0) {
    if (value('WEBHOOK_SECRET') === undefined) issues.push('WEBHOOK_SECRET: required with WEBHOOK_URLS (whsec_ + base64 of 24–64 random bytes)')
    const allowPrivate = ['true', '1', 'yes'].includes((value('WEBHOOK_ALLOW_PRIVATE') ?? '').toLowerCase())
    for (const url of webhookUrls) {
      if (!URL.canParse(url)) continue
      const parsed = new URL(url)
      if (parsed.protocol === 'http:' && !allowPrivate) issues.push(`WEBHOOK_URLS: ${parsed.origin} is http://; use https:// (http:// only with WEBHOOK_ALLOW_PRIVATE)`)
      if (!allowPrivate && isPrivateHost(parsed.hostname)) issues.push(`WEBHOOK_URLS: ${parsed.hostname} is a loopback or private address (allowed only with WEBHOOK_ALLOW_PRIVATE)`)
    }
  }
  if (value('REDIS_CLUSTER_NODES') !== undefined && value('REDIS_SENTINELS') !== undefined) {
    issues.push('REDIS_SENTINELS: give either REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both')
  }
  if (value('REDIS_SENTINELS') !== undefined && value('REDIS_SENTINEL_NAME') === undefined) {
    issues.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored primary name)')
  }
  return issues
}
