import type { SharedLimitReason } from '../../limits/shared-limits.js'
import type { LimitReason } from '../../../shared/store/verification-store.js'
import type { AppDeps } from '../../deps.js'
import { ApiError } from '../../errors.js'
import type { ServiceSettings } from '../../../shared/services.js'
import type { Verification } from '../../../shared/verification.js'

/** What /v1 says for each limit that refused a request. */
export const LIMIT_MESSAGES: Record<LimitReason | SharedLimitReason, string> = {
  number_cooldown: 'A code was just sent to this number; wait before asking for another.',
  number_window: 'Too many codes were sent to this number recently; wait and try again.',
  number_failed_checks: 'Too many wrong codes for this number today; wait and try again.',
  ip_window: 'Too many codes were requested from this address; wait and try again.',
  country_window: 'The hourly limit of codes to this country is reached; try again later.',
  global_window: 'The hourly limit of codes is reached; try again later.',
  bucket: 'A rate limit of this service is reached; try again later.',
}

export function rateLimited(reason: LimitReason | SharedLimitReason, retryAfterSeconds: number): ApiError {
  return new ApiError('rate_limited', LIMIT_MESSAGES[reason], { reason }, retryAfterSeconds)
}

export function notFound(): ApiError {
  return new ApiError('not_found', 'No verification was found.')
}

export function notPending(v: Verification): ApiError {
  return new ApiError('not_pending', `The verification is ${v.status.replace(/_/g, ' ')}.`, { status: v.status })
}

/** Tags, security and parameters of every /v1 operation. */
export const V1_OPERATION = { tags: ['Verifications'], security: [{ bearerAuth: [] }] }

/**
 * The service a /v1 call names, or the default one; undefined when it names one that does not exist. The public
 * routes' and the MFA API's built-in services are not /v1's to use: their verifications follow their own rules
 * (anonymous checks, the owning project).
 */
export async function serviceOf(deps: Pick<AppDeps, 'serviceStore'>, id: string | undefined): Promise<ServiceSettings | undefined> {
  if (id === undefined) return deps.serviceStore.builtIn.default
  const service = await deps.serviceStore.get(id)
  return service?.builtIn === undefined || service.builtIn === 'default' ? service : undefined
}
