import type { Config } from '../shared/config/index.js'
import type { DevOutbox } from '../shared/dev-outbox.js'
import type { Logger } from '../shared/logger.js'
import type { ApiMetrics } from '../shared/metrics.js'
import type { Pingable } from '../shared/redis.js'
import type { ServiceStore } from '../shared/service-store.js'
import type { RateLimitStore } from './v2/rate-limit-store.js'
import type { VerificationService } from './services/verifications.js'

/** What the app is built from; main.ts makes these once, tests make their own. */
export interface AppDeps {
  readonly config: Config
  readonly logger: Logger
  /** for /readyz: every connection a request needs (api/connections.ts) */
  readonly redis: Pingable
  readonly verifications: VerificationService
  /** services: the built-in ones (/v1's default, the public routes', MFA's) and those made through /v2 */
  readonly serviceStore: ServiceStore
  /** /v2 rate limits and their buckets */
  readonly rateLimits: RateLimitStore
  readonly metrics: ApiMetrics
  /** development with the console provider only: the demo page shows the last messages "sent" */
  readonly outbox?: DevOutbox
}

/**
 * Hono's per-request variables. `surface` picks how errors are written: plain text (form routes), the JSON envelope
 * (/v1 and the rest), Twilio's error body (/v2) or SignalWire's (MFA). `account` is the caller's account on /v2 and
 * its project on the MFA API.
 */
export interface AppEnv {
  Variables: {
    requestId: string
    surface: 'form' | 'api' | 'twilio' | 'mfa'
    account: string
  }
}
