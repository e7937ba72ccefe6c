import { createHash } from 'node:crypto'
import type { Config } from './config/index.js'

/*
 * Services: each verification belongs to one, and a service is a namespace with its own settings. The same number
 * can have one pending verification per service, and a check in one service never touches another's (its limits and
 * wrong-code budget included). Ids are Twilio-shaped, `VA` + 32 lowercase hex.
 *
 * Three services are built in, with their settings from the environment: the default service of `/v1`; the service
 * of the public form routes, so that an anonymous visitor can never check, spend the attempts of, or approve a
 * verification an application created; and the service of the SignalWire MFA API, whose requests bring their own
 * lifetime, attempts and code format. Services created through `/v2` live in Redis (service-store.ts).
 */

const SERVICE_ID = /^VA[0-9a-f]{32}$/

export type BuiltInKind = 'default' | 'public' | 'mfa'

export interface ServiceRef {
  readonly id: string
  /** the built-in services; undefined for services created through /v2 */
  readonly builtIn?: BuiltInKind
}

/** Everything a service decides about its verifications. */
export interface ServiceSettings extends ServiceRef {
  /** the /v2 account that owns it; none for the built-in services */
  readonly accountSid?: string
  /** said in its messages ({name}); at most 30 characters */
  readonly friendlyName: string
  readonly codeLength: number
  readonly ttlSeconds: number
  readonly maxCheckAttempts: number
  readonly maxSendsPerWindow: number
  readonly sendWindowSeconds: number
  readonly resendCooldownSeconds: number
  /** the operator's own SMS text (SMS_TEMPLATE, built-in services only) */
  readonly template?: string
  /** Twilio's DoNotShareWarningEnabled: "do not share this code" in the message */
  readonly doNotShareWarning: boolean
  /** Twilio's SkipSmsToLandlines: an SMS to a landline is refused (403 / 60205) */
  readonly skipSmsToLandlines: boolean
  /** Twilio's LookupEnabled: the verification shows the line type */
  readonly lookupEnabled: boolean
  /** Twilio's CustomCodeEnabled: a create may bring its own code */
  readonly customCodeEnabled: boolean
  /** Twilio fields kept as given, shown on the resource */
  readonly dtmfInputRequired: boolean
  readonly ttsName?: string
  readonly psd2Enabled: boolean
  readonly defaultTemplateSid?: string
  readonly createdAt: number
  readonly updatedAt: number
}

export function isServiceId(value: string): boolean {
  return SERVICE_ID.test(value)
}

/** A deployment's built-in service ids: stable, derived from KEY_PREFIX, so restarts keep them. */
export function builtInServiceId(keyPrefix: string, kind: BuiltInKind): string {
  return `VA${createHash('sha256').update(`${kind}-service\0${keyPrefix}`).digest('hex').slice(0, 32)}`
}

export interface BuiltInServices {
  readonly default: ServiceSettings
  readonly public: ServiceSettings
  readonly mfa: ServiceSettings
}

/** The built-in services, their settings from the environment. */
export function builtInServices(config: Pick<Config, 'redis' | 'service' | 'codes' | 'limits' | 'sms'>): BuiltInServices {
  const settings = (kind: BuiltInKind): ServiceSettings => ({
    id: builtInServiceId(config.redis.keyPrefix, kind),
    builtIn: kind,
    friendlyName: config.service.name,
    codeLength: config.codes.length,
    ttlSeconds: config.codes.ttlSeconds,
    maxCheckAttempts: config.codes.maxCheckAttempts,
    maxSendsPerWindow: config.limits.maxSendsPerWindow,
    sendWindowSeconds: config.limits.sendWindowSeconds,
    // An MFA request is a new token each time (no resend), and its caller decides when to ask.
    resendCooldownSeconds: kind === 'mfa' ? 0 : config.limits.resendCooldownSeconds,
    ...(config.sms.template === undefined ? {} : { template: config.sms.template }),
    doNotShareWarning: false,
    skipSmsToLandlines: false,
    lookupEnabled: false,
    customCodeEnabled: false,
    dtmfInputRequired: false,
    psd2Enabled: false,
    createdAt: 0,
    updatedAt: 0,
  })
  return { default: settings('default'), public: settings('public'), mfa: settings('mfa') }
}
