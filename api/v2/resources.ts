import { createHash } from 'node:crypto'
import { twilioSid } from '../../shared/ids.js'
import type { ServiceSettings } from '../../shared/services.js'
import type { StoredVerification } from '../../shared/store/verification-record.js'
import type { RateLimit, Bucket } from './rate-limit-store.js'
import { twilioDate } from './wire.js'

/*
 * The /v2 resources as Twilio's clients read them: snake_case, dates to the second, absolute URLs, and the objects
 * this service does not implement present with null members.
 */

export function serviceResource(s: ServiceSettings, base: string): Record<string, unknown> {
  const url = `${base}/v2/Services/${s.id}`
  return {
    sid: s.id,
    account_sid: s.accountSid ?? null,
    friendly_name: s.friendlyName,
    code_length: s.codeLength,
    lookup_enabled: s.lookupEnabled,
    psd2_enabled: s.psd2Enabled,
    skip_sms_to_landlines: s.skipSmsToLandlines,
    dtmf_input_required: s.dtmfInputRequired,
    tts_name: s.ttsName ?? null,
    do_not_share_warning_enabled: s.doNotShareWarning,
    custom_code_enabled: s.customCodeEnabled,
    verify_event_subscription_enabled: false,
    push: { include_date: null, apn_credential_sid: null, fcm_credential_sid: null },
    totp: { issuer: null, time_step: null, code_length: null, skew: null },
    whatsapp: { msg_service_sid: null, from: null },
    passkeys: { relying_party: null, authenticator_attachment: null, discoverable_credentials: null, user_verification: null },
    default_template_sid: s.defaultTemplateSid ?? null,
    date_created: twilioDate(s.createdAt),
    date_updated: twilioDate(s.updatedAt),
    url,
    links: {
      verifications: `${url}/Verifications`,
      verification_checks: `${url}/VerificationCheck`,
      rate_limits: `${url}/RateLimits`,
      messaging_configurations: `${url}/MessagingConfigurations`,
      entities: `${url}/Entities`,
      webhooks: `${url}/Webhooks`,
      access_tokens: `${url}/AccessTokens`,
    },
  }
}

/** Twilio's line types, from libphonenumber's (LookupEnabled). */
const LINE_TYPE: Readonly<Record<string, string>> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'landline',
  FIXED_LINE_OR_MOBILE: 'mobile',
  VOIP: 'voip',
  TOLL_FREE: 'tollFree',
  PREMIUM_RATE: 'premium',
  SHARED_COST: 'sharedCost',
  PERSONAL_NUMBER: 'personal',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
}

/** A send attempt's sid: the same each time it is read, made from the verification and the attempt's place. */
function attemptSid(id: string, index: number): string {
  return `VL${createHash('sha256').update(`${id}\0${index}`).digest('hex').slice(0, 32)}`
}

/** The status as /v2 shows it: a wrong code leaves it pending, as Twilio's does, until the next check is refused. */
function v2Status(status: string): string {
  return status === 'max_attempts_reached' ? 'pending' : status
}

export function verificationResource(v: StoredVerification, service: ServiceSettings, base: string, numberType: string | undefined): Record<string, unknown> {
  const sid = twilioSid(v.resource.id) ?? v.resource.id
  const status = v2Status(v.resource.status)
  return {
    sid,
    service_sid: service.id,
    account_sid: service.accountSid ?? null,
    to: v.resource.to,
    channel: v.resource.channel,
    status,
    valid: status === 'approved',
    lookup: service.lookupEnabled
      ? { carrier: { type: LINE_TYPE[numberType ?? ''] ?? 'unknown', name: null, mobile_country_code: null, mobile_network_code: null, error_code: null } }
      : {},
    amount: null,
    payee: null,
    send_code_attempts: v.sends.map((send, index) => ({ time: twilioDate(send.at), channel: send.channel, attempt_sid: attemptSid(v.resource.id, index) })),
    date_created: twilioDate(v.resource.createdAt),
    date_updated: twilioDate(v.resource.updatedAt),
    sna: null,
    url: `${base}/v2/Services/${service.id}/Verifications/${sid}`,
  }
}

export function checkResource(v: StoredVerification, service: ServiceSettings): Record<string, unknown> {
  const status = v2Status(v.resource.status)
  return {
    sid: twilioSid(v.resource.id) ?? v.resource.id,
    service_sid: service.id,
    account_sid: service.accountSid ?? null,
    to: v.resource.to,
    channel: v.resource.channel,
    status,
    valid: status === 'approved',
    amount: null,
    payee: null,
    sna_attempts_error_codes: [],
    date_created: twilioDate(v.resource.createdAt),
    date_updated: twilioDate(v.resource.updatedAt),
  }
}

export function rateLimitResource(r: RateLimit, base: string): Record<string, unknown> {
  const url = `${base}/v2/Services/${r.serviceSid}/RateLimits/${r.sid}`
  return {
    sid: r.sid,
    service_sid: r.serviceSid,
    account_sid: r.accountSid,
    unique_name: r.uniqueName,
    description: r.description ?? null,
    date_created: twilioDate(r.createdAt),
    date_updated: twilioDate(r.updatedAt),
    url,
    links: { buckets: `${url}/Buckets` },
  }
}

export function bucketResource(b: Bucket, base: string): Record<string, unknown> {
  return {
    sid: b.sid,
    rate_limit_sid: b.rateLimitSid,
    service_sid: b.serviceSid,
    account_sid: b.accountSid,
    max: b.max,
    interval: b.interval,
    date_created: twilioDate(b.createdAt),
    date_updated: twilioDate(b.updatedAt),
    url: `${base}/v2/Services/${b.serviceSid}/RateLimits/${b.rateLimitSid}/Buckets/${b.sid}`,
  }
}
