import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'vitest'
import { parse } from 'yaml'
import { settings } from '../../shared/config/index.js'
import { startService } from '../helpers/processes.js'

/*
 * The API and the worker started with only what docker-compose.yml gives them: every example.env setting set in the
 * "shell" (a distinct, valid value each), the compose file's environment resolved from it as compose resolves it,
 * and each process's own "settings" line at boot showing what arrived.
 */

/** A valid production value for every setting, none of them the default. */
const SHELL: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'debug',
  SHUTDOWN_TIMEOUT_MS: '9000',
  PORT: '4999',
  HOST: '127.0.0.9',
  PUBLIC_ROUTES: 'false',
  CORS_ORIGINS: 'https://app.example.com',
  TRUST_PROXY: '10.0.0.0/8',
  REDIS_URL: 'redis://shell-redis:6379',
  KEY_PREFIX: 'compose-env-test',
  REDIS_CLUSTER_NODES: '127.0.0.1:1',
  REDIS_SENTINELS: '127.0.0.1:2',
  REDIS_SENTINEL_NAME: 'mymaster',
  SECRET_KEY: 'compose-test-secret-0123456789abcdef-0123',
  SECRET_KEY_PREVIOUS: 'compose-test-older-secret-0123456789abcdef',
  API_KEYS: 'compose-test-api-key-0123456789',
  TWILIO_COMPAT_CREDENTIALS: `AC${'0a'.repeat(16)}:compose-twilio-token-0123456789`,
  SIGNALWIRE_MFA_CREDENTIALS: 'compose-project:compose-mfa-token-0123456789',
  PUBLIC_BASE_URL: 'https://verify.example.com',
  SERVICE_NAME: 'Compose Test',
  DEFAULT_LOCALE: 'de',
  SMS_PROVIDER: 'signalwire',
  SIGNALWIRE_PROJECT: 'compose-project',
  SIGNALWIRE_TOKEN: 'compose-token',
  SIGNALWIRE_NUMBER: '+12015550100',
  SIGNALWIRE_SPACE: 'example.signalwire.com',
  SIGNALWIRE_HOST: 'wss://relay.example.com',
  SIGNALWIRE_CONTEXT: 'otp-compose',
  CODE_LENGTH: '8',
  CODE_TTL_SECONDS: '300',
  MAX_CHECK_ATTEMPTS: '4',
  SMS_TEMPLATE: 'Code: {code}',
  WEBOTP_DOMAIN: 'example.com',
  MAX_SENDS_PER_WINDOW: '4',
  SEND_WINDOW_SECONDS: '900',
  RESEND_COOLDOWN_SECONDS: '20',
  MAX_FAILED_CHECKS_PER_DAY: '15',
  IP_SENDS_PER_HOUR: '10',
  COUNTRY_SENDS_PER_HOUR: 'US:100',
  GLOBAL_SENDS_PER_HOUR: '1000',
  FRAUD_GUARD: 'monitor',
  FRAUD_PREFIX_DIGITS: '3',
  FRAUD_MIN_SENDS: '40',
  FRAUD_MIN_CONVERSION: '0.3',
  FRAUD_WINDOW_SECONDS: '1800',
  FRAUD_GRACE_SECONDS: '120',
  FRAUD_BLOCK_SECONDS: '600',
  FRAUD_SAFE_LIST: '+1201555',
  TEST_NUMBERS: '+15005550006:123456',
  ALLOWED_COUNTRIES: 'US,CA',
  DEFAULT_COUNTRY: 'US',
  ALLOWED_NUMBER_TYPES: 'MOBILE',
  ALLOWED_CALL_NUMBER_TYPES: 'MOBILE,FIXED_LINE',
  MAX_CONCURRENT_CALLS: '7',
  CALL_FALLBACK_AFTER_SECONDS: '45',
  WEBHOOK_URLS: 'https://hooks.example.com/sms',
  WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  WEBHOOK_RETRY_SCHEDULE: '5,60',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_ALLOW_PRIVATE: 'false',
  WORKER_CONCURRENCY: '20',
  SEND_RATE_PER_SECOND: '5',
  SEND_TIMEOUT_MS: '8000',
  SEND_ATTEMPTS: '4',
  WORKER_LOCK_SECONDS: '20',
  ADMIN_PORT: '4998',
  ADMIN_HOST: '127.0.0.9',
  ADMIN_USER: 'ops',
  ADMIN_PASSWORD: 'compose-admin-password-0123',
  ADMIN_READ_ONLY: 'false',
  WORKER_ADMIN_PORT: '4997',
}

const SECRET = new Set(settings().filter((s) => s.secret === true).map((s) => s.env))

/** Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}` against the shell. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string | undefined) => {
    const set = shell[name]
    if (set !== undefined && set !== '') return set
    if (kind === '?') throw new Error(`compose would refuse to start: ${rest ?? name}`)
    return kind === '-' ? (rest ?? '') : ''
  })
}

/** A service's environment as compose would hand it over: `KEY:` passes the shell's value through (or nothing). */
function composeEnvironment(service: string, shell: Record<string, string>): Record<string, string> {
  const doc = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string | number | null> }>
  }
  const out: Record<string, string> = {}
  for (const [name, raw] of Object.entries(doc.services[service]?.environment ?? {})) {
    if (raw === null) {
      if (shell[name] !== undefined) out[name] = shell[name]
    } else {
      out[name] = interpolate(String(raw), shell)
    }
  }
  return out
}

/** The `settings` line a process logs at boot. */
async function settingsLineOf(name: string, script: string, env: Record<string, string>): Promise<Record<string, string>> {
  const process = startService(name, script, env)
  try {
    const line = await process.waitForLog((l) => l.msg === 'settings', 30_000)
    return line.settings as Record<string, string>
  } finally {
    await process.stop('SIGKILL')
  }
}

describe('docker-compose.yml hands every setting to the processes', () => {
  test('a sample for every setting of the schema (so a new one cannot skip this test)', () => {
    assert.deepEqual(Object.keys(SHELL).sort(), settings().map((s) => s.env).sort())
  })

  // REDIS_CLUSTER_NODES and REDIS_SENTINELS exclude each other: one run with each.
  for (const [label, omit] of [
    ['with REDIS_CLUSTER_NODES', ['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME']],
    ['with REDIS_SENTINELS', ['REDIS_CLUSTER_NODES']],
  ] as const) {
    test(`api and worker get every example.env setting (${label})`, async () => {
      const shell = Object.fromEntries(Object.entries(SHELL).filter(([k]) => !(omit as readonly string[]).includes(k)))
      for (const [service, script] of [
        ['api', 'start:api'],
        ['worker', 'start:worker'],
      ] as const) {
        const env = composeEnvironment(service, shell)
        const arrived = await settingsLineOf(service, script, env)
        for (const name of Object.keys(shell)) {
          assert.ok(name in arrived, `${service}: ${name} never arrived`)
          const expected = SECRET.has(name) ? '[set]' : env[name]
          assert.equal(arrived[name], expected, `${service}: ${name}`)
        }
        // The compose file's own values win where it sets one (the container's fixed address, port, NODE_ENV …).
        assert.equal(arrived.NODE_ENV, 'production')
        assert.equal(arrived.REDIS_URL, 'redis://redis:6379')
        assert.equal(arrived.TRUST_PROXY, '10.0.0.0/8', 'a TRUST_PROXY from the shell replaces the compose default')
      }
    })
  }

  test('without TRUST_PROXY in the shell, the containers believe X-Forwarded-For from private addresses only', () => {
    const { TRUST_PROXY: _unset, ...shell } = SHELL
    assert.equal(composeEnvironment('api', shell).TRUST_PROXY, '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16')
  })
})
