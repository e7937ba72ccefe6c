import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { ServiceSettings } from '../../../shared/services.js'
import type { AppDeps, AppEnv } from '../../deps.js'
import { notFoundError, TwilioError } from '../../v2/wire.js'

/**
 * How much one account can store: each create below the cap is accepted, the next is 403 / 20403. Twilio has caps of
 * its own; these keep one account's credentials from filling Redis.
 */
export const V2_CAPS = { servicesPerAccount: 1000, rateLimitsPerService: 20, bucketsPerRateLimit: 10 } as const

export function capReached(what: string, cap: number): TwilioError {
  return new TwilioError(20403, `Forbidden: at most ${cap} ${what}`)
}

/** Tags and security of every /v2 operation. */
export const V2_OPERATION = { tags: ['Twilio Verify v2'], security: [{ twilioBasic: [] }] }

/** The caller's own service named in the path: another account's, a deleted one or none is 404 / 20404. */
export async function ownService(c: Context<AppEnv>, deps: Pick<AppDeps, 'serviceStore'>): Promise<ServiceSettings> {
  const sid = c.req.param('ServiceSid') ?? ''
  const service = /^VA[0-9a-f]{32}$/.test(sid) ? await deps.serviceStore.get(sid) : undefined
  if (service === undefined || service.builtIn !== undefined || service.accountSid !== c.get('account')) throw notFoundError(c)
  return service
}

export const serviceSidParam = z.object({
  ServiceSid: z.string().openapi({ param: { name: 'ServiceSid', in: 'path' }, example: 'VA0123456789abcdef0123456789abcdef' }),
})

/** A resource answer: any JSON object (the Twilio resources are described by Twilio's own specification). */
export const resource = (name: string): z.ZodType => z.object({ sid: z.string() }).passthrough().openapi(name)
export const listOf = (name: string): z.ZodType =>
  z.object({ meta: z.object({ key: z.string(), next_page_url: z.string().nullable() }).passthrough() }).passthrough().openapi(name)
