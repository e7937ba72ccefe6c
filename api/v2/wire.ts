import type { Context, MiddlewareHandler } from 'hono'
import type { Config } from '../../shared/config/index.js'
import { basicCredentials, type BasicCredential } from '../../shared/basic-auth.js'
import type { AppEnv } from '../deps.js'
import { readFields, type Fields } from '../input.js'

/*
 * Twilio Verify v2 on the wire, as the official clients send and read it (../shared/COMPAT.md): form bodies with
 * PascalCase keys, HTTP Basic with an Account SID, dates to the second, list envelopes with absolute page URLs, and
 * errors as `{ code, message, more_info, status }`.
 */

/** Every Twilio error code /v2 answers with, its HTTP status and its usual message: one table. */
export const TWILIO_ERRORS = {
  20003: { status: 401, message: 'Authenticate' },
  20403: { status: 403, message: 'Forbidden' },
  20404: { status: 404, message: 'The requested resource was not found' },
  20413: { status: 413, message: 'Request body too large' },
  20415: { status: 415, message: 'Unsupported media type' },
  20429: { status: 429, message: 'Too many requests' },
  20500: { status: 500, message: 'An internal server error has occurred' },
  20503: { status: 503, message: 'Service unavailable' },
  60200: { status: 400, message: 'Invalid parameter' },
  60202: { status: 429, message: 'Max check attempts reached' },
  60203: { status: 429, message: 'Max send attempts reached' },
  60205: { status: 403, message: 'SMS is not supported by landline phone number' },
  60223: { status: 400, message: 'Delivery channel disabled' },
  60410: { status: 403, message: 'Verification delivery attempt blocked' },
  60441: { status: 400, message: 'Invalid verification status' },
  60605: { status: 403, message: 'Verification delivery attempt blocked: country not allowed' },
} as const

export type TwilioCode = keyof typeof TWILIO_ERRORS

/** A Twilio error: its HTTP status, its numeric code and the message clients copy into their exception. */
export class TwilioError extends Error {
  override name = 'TwilioError'

  readonly status: (typeof TWILIO_ERRORS)[TwilioCode]['status']

  constructor(
    readonly code: TwilioCode,
    message: string = TWILIO_ERRORS[code].message,
    readonly retryAfterSeconds?: number,
  ) {
    // An answer, not a bug: no stack trace (see ApiError).
    const traceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = traceLimit
    this.status = TWILIO_ERRORS[code].status
  }
}

export function twilioErrorBody(code: number, message: string, status: number): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }
}

export const invalidParameter = (name: string): TwilioError => new TwilioError(60200, `Invalid parameter: ${name}`)

/** `404 / 20404` with the path as Twilio words it ("The requested resource /Services/VA…/Verifications/VE… was not found"). */
export function notFoundError(c: Context): TwilioError {
  return new TwilioError(20404, `The requested resource ${c.req.path.replace(/^\/v2/, '')} was not found`)
}

/** Dates exactly `YYYY-MM-DDTHH:MM:SSZ`: anything else, the Python client keeps as a raw string. */
export function twilioDate(ms: number | string): string {
  return new Date(typeof ms === 'string' ? Date.parse(ms) : ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** The base of absolute URLs in answers: PUBLIC_BASE_URL, or the request's own origin. */
export function baseUrl(c: Context, config: Pick<Config, 'compat'>): string {
  return config.compat.publicBaseUrl ?? new URL(c.req.url).origin
}

/** The request's fields; a parameter sent empty (the Node client's way of sending a null) is absent. */
export async function twilioParams(c: Context<AppEnv>): Promise<Fields> {
  const fields = await readFields(c)
  const out: Fields = Object.create(null) as Fields
  for (const [name, value] of Object.entries(fields)) if (value !== '') out[name] = value
  return out
}

export function boolParam(params: Fields, name: string): boolean | undefined {
  const v = params[name]
  if (v === undefined) return undefined
  if (v === 'true' || v === 'True') return true
  if (v === 'false' || v === 'False') return false
  throw invalidParameter(name)
}

export function intParam(params: Fields, name: string, min: number, max: number): number | undefined {
  const v = params[name]
  if (v === undefined) return undefined
  if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw invalidParameter(name)
  return Number(v)
}

/** A parameter the clients send as a JSON string (RateLimits, ChannelConfiguration): an object of strings. */
export function jsonObjectParam(params: Fields, name: string): Record<string, string> | undefined {
  const v = params[name]
  if (v === undefined) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(v)
  } catch {
    throw invalidParameter(name)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidParameter(name)
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'number') throw invalidParameter(name)
    out[key] = String(value)
  }
  return out
}

/**
 * HTTP Basic with an Account SID and its auth token from TWILIO_COMPAT_CREDENTIALS; sets `account`. No credentials
 * configured: every call is 401 / 20003.
 *
 * @example app.use('/v2/*', twilioAuth(config.compat.twilioCredentials))
 */
export function twilioAuth(credentials: readonly BasicCredential[]): MiddlewareHandler<AppEnv> {
  const who = basicCredentials(credentials)
  return async function twilioAuthMiddleware(c, next) {
    const sid = who(c.req.header('authorization'))
    if (sid === undefined) {
      c.header('WWW-Authenticate', 'Basic realm="Twilio API"')
      throw new TwilioError(20003)
    }
    c.set('account', sid)
    await next()
  }
}

/** One page of a list, as the clients follow it: `meta.next_page_url` verbatim, `null` at the end. */
export function listEnvelope<T>(
  c: Context,
  base: string,
  path: string,
  key: string,
  page: { readonly items: readonly T[]; readonly total: number; readonly page: number; readonly pageSize: number },
): Record<string, unknown> {
  const url = (p: number): string => `${base}${path}?PageSize=${page.pageSize}&Page=${p}`
  const last = Math.max(0, Math.ceil(page.total / page.pageSize) - 1)
  return {
    meta: {
      page: page.page,
      page_size: page.pageSize,
      first_page_url: url(0),
      previous_page_url: page.page > 0 ? url(page.page - 1) : null,
      next_page_url: page.page < last ? `${url(page.page + 1)}&PageToken=PA${page.page + 1}` : null,
      url: url(page.page),
      key,
    },
    [key]: page.items,
  }
}

/** `PageSize` (1–1000, default 50) and `Page` (from 0) of a list call. */
export function pageParams(c: Context): { readonly page: number; readonly pageSize: number } {
  const size = c.req.query('PageSize')
  const page = c.req.query('Page')
  const pageSize = size === undefined || size === '' ? 50 : Number(size)
  const index = page === undefined || page === '' ? 0 : Number(page)
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw invalidParameter('PageSize')
  if (!Number.isInteger(index) || index < 0 || index > 100_000) throw invalidParameter('Page')
  return { page: index, pageSize }
}
