import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { ConfigError, loadConfig, type Config } from '../../shared/config/index.js'

const SIGNALWIRE_CREDENTIALS = { SIGNALWIRE_PROJECT: 'project-id', SIGNALWIRE_TOKEN: 'PTtoken', SIGNALWIRE_NUMBER: '+12015550123' }
/** The provider's settings and a SECRET_KEY (required with it). */
const SIGNALWIRE = { ...SIGNALWIRE_CREDENTIALS, SECRET_KEY: 'a-real-secret-of-16+chars' }
const PRODUCTION_SECRET = 's'.repeat(32)

/** The ConfigError message for `env`; fails the test when loadConfig accepts it or throws anything else. */
function configErrorFor(env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`)
    assert.equal(error.name, 'ConfigError')
    return error.message
  }
  assert.fail(`loadConfig accepted ${JSON.stringify(env)}`)
}

/** Every variable named on a line of a ConfigError message (`  NAME: reason`). */
function namedVariables(message: string): string[] {
  return [...message.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? '').sort()
}

describe('loadConfig: defaults (API.md)', () => {
  const config = loadConfig({})

  test('HTTP, Redis and public routes', () => {
    assert.equal(config.http.port, 3000)
    assert.equal(config.http.publicRoutes, true)
    assert.equal(config.redis.url, 'redis://127.0.0.1:6379')
    assert.equal(config.redis.keyPrefix, '2fa')
  })

  test('codes and limits', () => {
    assert.deepEqual(config.codes, { length: 6, ttlSeconds: 600, maxCheckAttempts: 5 })
    assert.deepEqual(config.limits, {
      maxSendsPerWindow: 5,
      sendWindowSeconds: 600,
      resendCooldownSeconds: 30,
      maxFailedChecksPerDay: 20,
      ipSendsPerHour: 20,
      countrySendsPerHour: {},
      globalSendsPerHour: 0,
    })
  })

  test('provider, SMS text, phone and worker', () => {
    assert.deepEqual(config.provider, { kind: 'console' })
    assert.equal(config.sms.template, undefined, 'no template of the operator: the built-in texts')
    assert.equal(config.sms.webOtpDomain, undefined)
    assert.deepEqual(config.phone, { allowedCountries: [], defaultCountry: undefined, allowedNumberTypes: ['MOBILE', 'FIXED_LINE_OR_MOBILE'] })
    assert.deepEqual(config.auth.apiKeys, [])
    assert.equal(config.worker.concurrency, 50)
    assert.equal(config.worker.ratePerSecond, 0)
    assert.equal(config.runtime.logLevel, 'info')
  })

  test('without SECRET_KEY the dev secret is used, and says so', () => {
    assert.equal(config.runtime.production, false)
    assert.equal(config.secret.usingDevSecret, true)
    assert.ok(config.secret.key.length >= 32)
  })

  test('does not read process.env when a source is given', () => {
    const saved = process.env.PORT
    process.env.PORT = '4321'
    try {
      assert.equal(loadConfig({}).http.port, 3000)
    } finally {
      if (saved === undefined) delete process.env.PORT
      else process.env.PORT = saved
    }
  })

  test('empty strings mean "use the default"', () => {
    const c = loadConfig({ PORT: '', KEY_PREFIX: '', CODE_LENGTH: ' ', PUBLIC_ROUTES: '', SMS_TEMPLATE: '', REDIS_URL: '' })
    assert.equal(c.http.port, 3000)
    assert.equal(c.redis.keyPrefix, '2fa')
    assert.equal(c.codes.length, 6)
    assert.equal(c.http.publicRoutes, true)
    assert.equal(c.sms.template, undefined)
    assert.equal(c.redis.url, 'redis://127.0.0.1:6379')
  })
})

describe('loadConfig: values that are read', () => {
  test('numbers, booleans and lists', () => {
    const c = loadConfig({
      PORT: ' 8080 ',
      CODE_LENGTH: '8',
      PUBLIC_ROUTES: 'false',
      API_KEYS: ' a-key , , b-key ',
      ALLOWED_COUNTRIES: 'us, ca',
      DEFAULT_COUNTRY: 'gb',
      WEBOTP_DOMAIN: 'example.com',
      SEND_RATE_PER_SECOND: '10',
    })
    assert.equal(c.http.port, 8080)
    assert.equal(c.codes.length, 8)
    assert.equal(c.http.publicRoutes, false)
    assert.deepEqual(c.auth.apiKeys, ['a-key', 'b-key'])
    assert.deepEqual(c.phone.allowedCountries, ['US', 'CA'])
    assert.equal(c.phone.defaultCountry, 'GB')
    assert.equal(c.sms.webOtpDomain, 'example.com')
    assert.equal(c.worker.ratePerSecond, 10)
  })

  test('PUBLIC_ROUTES accepts 0/1/yes/no', () => {
    assert.equal(loadConfig({ PUBLIC_ROUTES: '0' }).http.publicRoutes, false)
    assert.equal(loadConfig({ PUBLIC_ROUTES: 'no' }).http.publicRoutes, false)
    assert.equal(loadConfig({ PUBLIC_ROUTES: '1' }).http.publicRoutes, true)
    assert.equal(loadConfig({ PUBLIC_ROUTES: 'yes' }).http.publicRoutes, true)
  })

  test('a SECRET_KEY that is set is used', () => {
    const c = loadConfig({ SECRET_KEY: 'k'.repeat(20) })
    assert.equal(c.secret.key, 'k'.repeat(20))
    assert.equal(c.secret.usingDevSecret, false)
  })
})

describe('loadConfig: provider', () => {
  test('becomes signalwire when SIGNALWIRE_PROJECT is set', () => {
    const c = loadConfig({ ...SIGNALWIRE, SIGNALWIRE_NUMBER: ' +12015550123 , +12015550124 ' })
    assert.equal(c.provider.kind, 'signalwire')
    if (c.provider.kind !== 'signalwire') return
    assert.equal(c.provider.project, 'project-id')
    assert.equal(c.provider.token, 'PTtoken')
    assert.deepEqual(c.provider.numbers, ['+12015550123', '+12015550124'])
    assert.equal(c.provider.context, 'otp')
  })

  test('signalwire then requires the token and a number', () => {
    const message = configErrorFor({ SIGNALWIRE_PROJECT: 'project-id', SECRET_KEY: 'a-real-secret-of-16+chars' })
    assert.deepEqual(namedVariables(message), ['SIGNALWIRE_NUMBER', 'SIGNALWIRE_TOKEN'])
  })

  test('SMS_PROVIDER=signalwire without any credentials names all three, and the missing SECRET_KEY', () => {
    const message = configErrorFor({ SMS_PROVIDER: 'signalwire' })
    assert.deepEqual(namedVariables(message), ['SECRET_KEY', 'SIGNALWIRE_NUMBER', 'SIGNALWIRE_PROJECT', 'SIGNALWIRE_TOKEN'])
  })

  test('real SMS never go out under the published development key, whatever NODE_ENV says', () => {
    for (const NODE_ENV of ['development', 'test']) {
      assert.deepEqual(namedVariables(configErrorFor({ ...SIGNALWIRE_CREDENTIALS, NODE_ENV })), ['SECRET_KEY'], NODE_ENV)
    }
    assert.equal(loadConfig({ NODE_ENV: 'development' }).secret.usingDevSecret, true, 'the console provider may use it')
  })

  test('SIGNALWIRE_HOST=ws:// to another host is refused in production; wss://, bare hosts and loopback are fine', () => {
    const production = { ...SIGNALWIRE, NODE_ENV: 'production', SECRET_KEY: PRODUCTION_SECRET }
    assert.deepEqual(namedVariables(configErrorFor({ ...production, SIGNALWIRE_HOST: 'ws://relay.example.com' })), ['SIGNALWIRE_HOST'])
    for (const host of ['wss://relay.example.com', 'relay.signalwire.com', 'ws://127.0.0.1:9500', 'ws://localhost:9500', 'ws://[::1]:9500']) {
      assert.equal(loadConfig({ ...production, SIGNALWIRE_HOST: host }).provider.kind, 'signalwire', host)
    }
  })

  test('SMS_PROVIDER=console wins over SIGNALWIRE_PROJECT', () => {
    assert.deepEqual(loadConfig({ SIGNALWIRE_PROJECT: 'project-id', SMS_PROVIDER: 'console' }).provider, { kind: 'console' })
  })

  test('sender numbers must be E.164', () => {
    assert.deepEqual(namedVariables(configErrorFor({ ...SIGNALWIRE, SIGNALWIRE_NUMBER: '12015550123' })), ['SIGNALWIRE_NUMBER'])
    assert.deepEqual(namedVariables(configErrorFor({ ...SIGNALWIRE, SIGNALWIRE_NUMBER: '+12015550123,nope' })), ['SIGNALWIRE_NUMBER'])
  })
})

describe('loadConfig: production', () => {
  test('a complete production configuration loads', () => {
    const c = loadConfig({ NODE_ENV: 'production', ...SIGNALWIRE, SECRET_KEY: PRODUCTION_SECRET })
    assert.equal(c.runtime.production, true)
    assert.equal(c.provider.kind, 'signalwire')
    assert.equal(c.secret.usingDevSecret, false)
  })

  test('refuses the console provider', () => {
    assert.deepEqual(namedVariables(configErrorFor({ NODE_ENV: 'production', SECRET_KEY: PRODUCTION_SECRET })), ['SMS_PROVIDER'])
    const explicit = configErrorFor({ NODE_ENV: 'production', ...SIGNALWIRE, SECRET_KEY: PRODUCTION_SECRET, SMS_PROVIDER: 'console' })
    assert.deepEqual(namedVariables(explicit), ['SMS_PROVIDER'])
  })

  test('refuses a missing SECRET_KEY', () => {
    assert.deepEqual(namedVariables(configErrorFor({ NODE_ENV: 'production', ...SIGNALWIRE_CREDENTIALS })), ['SECRET_KEY'])
  })

  test('refuses a SECRET_KEY shorter than 32 characters', () => {
    const message = configErrorFor({ ...SIGNALWIRE, NODE_ENV: 'production', SECRET_KEY: 's'.repeat(31) })
    assert.deepEqual(namedVariables(message), ['SECRET_KEY'])
  })

  test('API_KEYS entries and ADMIN_PASSWORD shorter than 20 characters are refused', () => {
    const production = { NODE_ENV: 'production', ...SIGNALWIRE, SECRET_KEY: PRODUCTION_SECRET }
    assert.deepEqual(namedVariables(configErrorFor({ ...production, API_KEYS: `${'k'.repeat(24)},short-key` })), ['API_KEYS'])
    assert.deepEqual(namedVariables(configErrorFor({ ...production, ADMIN_PASSWORD: 'p'.repeat(19) })), ['ADMIN_PASSWORD'])
    const ok = loadConfig({ ...production, API_KEYS: 'k'.repeat(20), ADMIN_PASSWORD: 'p'.repeat(20) })
    assert.equal(ok.admin.password, 'p'.repeat(20))
    // Outside production short ones are fine (tests, a laptop).
    assert.deepEqual(loadConfig({ API_KEYS: 'k' }).auth.apiKeys, ['k'])
  })

  test('SECRET_KEY_PREVIOUS: read for rotation, and refused when short or the same as SECRET_KEY', () => {
    const c = loadConfig({ SECRET_KEY: 'a'.repeat(20), SECRET_KEY_PREVIOUS: 'b'.repeat(20) })
    assert.equal(c.secret.previous, 'b'.repeat(20))
    assert.deepEqual(namedVariables(configErrorFor({ SECRET_KEY: 'a'.repeat(20), SECRET_KEY_PREVIOUS: 'b' })), ['SECRET_KEY_PREVIOUS'])
    assert.deepEqual(namedVariables(configErrorFor({ SECRET_KEY: 'a'.repeat(20), SECRET_KEY_PREVIOUS: 'a'.repeat(20) })), ['SECRET_KEY_PREVIOUS'])
  })

  test('outside production a SECRET_KEY shorter than 16 characters is refused too', () => {
    assert.deepEqual(namedVariables(configErrorFor({ SECRET_KEY: 'short' })), ['SECRET_KEY'])
  })
})

describe('loadConfig: bad values', () => {
  const bad: Array<[string, string]> = [
    ['CODE_LENGTH', '3'],
    ['CODE_LENGTH', '11'],
    ['CODE_LENGTH', '6.5'],
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '1e3'],
    ['PORT', '65536'],
    ['PORT', '３０００'],
    ['KEY_PREFIX', 'a{b}'],
    ['KEY_PREFIX', 'a:b'],
    ['KEY_PREFIX', 'x'.repeat(49)],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['PUBLIC_ROUTES', 'maybe'],
    ['SMS_TEMPLATE', 'no placeholder here'],
    ['WEBOTP_DOMAIN', 'https://example.com'],
    ['ALLOWED_COUNTRIES', 'US,USA'],
    ['DEFAULT_COUNTRY', 'U'],
    ['MAX_CHECK_ATTEMPTS', '0'],
    ['CODE_TTL_SECONDS', '5'],
    ['WORKER_CONCURRENCY', '0'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['SIGNALWIRE_CONTEXT', 'has space'],
  ]
  for (const [name, value] of bad) {
    test(`${name}=${JSON.stringify(value)} throws a ConfigError naming ${name}`, () => {
      const message = configErrorFor({ [name]: value })
      assert.deepEqual(namedVariables(message), [name], message)
    })
  }

  test('several bad variables are all named in one message', () => {
    const message = configErrorFor({ CODE_LENGTH: '3', PORT: 'abc', KEY_PREFIX: 'a{b}' })
    assert.deepEqual(namedVariables(message), ['CODE_LENGTH', 'KEY_PREFIX', 'PORT'])
  })

  // The module promises "one message naming every bad variable". FAILS against shared/config.ts: the cross-field
  // checks (superRefine, line 107) are skipped as soon as any single field is bad, so only PORT is named.
  test('a bad field does not hide the production checks', () => {
    const message = configErrorFor({ NODE_ENV: 'production', PORT: 'abc' })
    assert.deepEqual(namedVariables(message), ['PORT', 'SECRET_KEY', 'SMS_PROVIDER'])
  })

  test('the message shows the offending value for a non-number', () => {
    assert.match(configErrorFor({ PORT: 'abc' }), /PORT: .*"abc"/)
  })
})

describe('loadConfig: TRUST_PROXY', () => {
  test('false, true (one hop), a hop count, or proxy CIDRs', () => {
    assert.deepEqual(loadConfig({}).http.trustProxy, { kind: 'none' })
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy, { kind: 'none' })
    assert.deepEqual(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy, { kind: 'hops', hops: 1 })
    assert.deepEqual(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy, { kind: 'hops', hops: 2 })
    assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, fd00::/8' }).http.trustProxy, { kind: 'cidrs', cidrs: ['10.0.0.0/8', 'fd00::/8'] })
  })

  test('anything else names TRUST_PROXY', () => {
    for (const bad of ['maybe', '10.0.0.0', '10.0.0.0/33', 'fd00::/129', '300.1.1.1/8', '1000']) {
      assert.deepEqual(namedVariables(configErrorFor({ TRUST_PROXY: bad })), ['TRUST_PROXY'], bad)
    }
  })
})

describe('loadConfig: the result is frozen', () => {
  const config: Config = loadConfig({ ...SIGNALWIRE, API_KEYS: 'k1,k2' })

  test('top level and nested objects and arrays', () => {
    assert.ok(Object.isFrozen(config))
    assert.ok(Object.isFrozen(config.http))
    assert.ok(Object.isFrozen(config.codes))
    assert.ok(Object.isFrozen(config.auth.apiKeys))
    assert.ok(Object.isFrozen(config.provider))
    if (config.provider.kind === 'signalwire') assert.ok(Object.isFrozen(config.provider.numbers))
    else assert.fail('expected the signalwire provider')
  })

  test('writes are refused and change nothing', () => {
    assert.equal(Reflect.set(config.http, 'port', 1), false)
    assert.equal(config.http.port, 3000)
    assert.equal(Reflect.set(config.runtime, 'production', true), false)
    assert.equal(config.runtime.production, false)
    assert.throws(() => (config.auth.apiKeys as string[]).push('k3'), TypeError)
    assert.deepEqual(config.auth.apiKeys, ['k1', 'k2'])
  })
})

describe('loadConfig: fraud guard, test numbers and calls (API.md)', () => {
  test('defaults', () => {
    const { fraud, calls } = loadConfig({})
    assert.deepEqual(
      { ...fraud, safeList: [...fraud.safeList], testNumbers: [...fraud.testNumbers] },
      { mode: 'enforce', prefixDigits: 4, minSends: 20, minConversion: 0.2, windowSeconds: 3600, graceSeconds: 300, blockSeconds: 900, safeList: [], testNumbers: [] },
    )
    assert.deepEqual([...calls.allowedNumberTypes], ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'])
    assert.equal(calls.maxConcurrent, 10)
    assert.equal(calls.fallbackAfterSeconds, 60)
  })

  test('values, and what is refused', () => {
    const config = loadConfig({ FRAUD_MIN_CONVERSION: '0.35', FRAUD_SAFE_LIST: '+1201555,+447911123456', TEST_NUMBERS: '+15005550006:123456, +15005550007:ab12cd' })
    assert.equal(config.fraud.minConversion, 0.35)
    assert.deepEqual([...config.fraud.safeList], ['+1201555', '+447911123456'])
    assert.deepEqual(
      config.fraud.testNumbers.map((t) => [t.number, t.code]),
      [
        ['+15005550006', '123456'],
        ['+15005550007', 'AB12CD'],
      ],
    )
    for (const [name, value] of [
      ['FRAUD_MIN_CONVERSION', '1.5'],
      ['FRAUD_MIN_CONVERSION', '20%'],
      ['FRAUD_GUARD', 'strict'],
      ['FRAUD_SAFE_LIST', '1201555'],
      ['TEST_NUMBERS', '+15005550006'],
      ['TEST_NUMBERS', '+15005550006:12'],
      ['ALLOWED_CALL_NUMBER_TYPES', 'LANDLINE'],
      ['MAX_CONCURRENT_CALLS', '0'],
    ] as const) {
      assert.deepEqual(namedVariables(configErrorFor({ [name]: value })), [name], `${name}=${value}`)
    }
  })

  test('TEST_NUMBERS is secret: its codes are never printed', async () => {
    const { settings } = await import('../../shared/config/index.js')
    assert.equal(settings().find((s) => s.env === 'TEST_NUMBERS')?.secret, true)
  })
})
