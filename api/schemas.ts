import { z } from '@hono/zod-openapi'
import { CHANNELS, DELIVERY_STATUSES, VERIFICATION_STATUSES } from '../shared/verification.js'

/*
 * Shapes more than one endpoint uses: the Verification resource, the error envelope, the form routes' fields. The
 * same schemas validate requests and describe the API in the OpenAPI document, so the two cannot drift apart.
 */

const phoneInput = z.string().min(1).max(64).openapi({ example: '+12015550123', description: 'E.164, or digits with the country code' })
const codeInput = z
  .string()
  .min(1)
  .max(64)
  .openapi({ example: '123456', description: 'the code the user typed; spaces and dashes are ignored' })

const serviceInput = z
  .string()
  .regex(/^VA[0-9a-f]{32}$/, 'a service id: VA + 32 lowercase hex')
  .openapi({ example: 'VA0123456789abcdef0123456789abcdef', description: 'the service (namespace) to act in; default: the default service' })

export const createVerificationBody = z
  .object({
    to: phoneInput,
    channel: z.enum(['sms', 'call']).optional().openapi({ description: 'sms (the default) or call: the code spoken, digit by digit, twice' }),
    fallback: z
      .literal('call')
      .optional()
      .openapi({ description: 'with sms: speak the same code in a call if the SMS ends undelivered or failed, or is not delivered within CALL_FALLBACK_AFTER_SECONDS, while still pending' }),
    service: serviceInput.optional(),
    locale: z.string().min(2).max(16).optional().openapi({ example: 'es', description: 'the language of the message; default: the destination country’s' }),
  })
  .openapi('CreateVerification')

export const checkVerificationBody = z
  .object({
    to: phoneInput.optional(),
    id: z.string().min(1).max(64).optional().openapi({ example: 'ver_abcd…' }),
    code: codeInput,
    service: serviceInput.optional(),
  })
  .refine((b) => (b.to === undefined) !== (b.id === undefined), { message: 'give exactly one of "to" or "id"' })
  .openapi('CheckVerification')

export const verificationSchema = z
  .object({
    id: z.string().openapi({ example: 'ver_abcd2345efgh…' }),
    service: z.string().openapi({ example: 'VA0123456789abcdef0123456789abcdef' }),
    to: z.string().openapi({ example: '+12015550123' }),
    channel: z.enum(CHANNELS),
    locale: z.string().openapi({ example: 'en' }),
    status: z.enum(VERIFICATION_STATUSES),
    sendAttempts: z.number().int(),
    checkAttempts: z.number().int().openapi({ description: 'wrong codes so far' }),
    maxCheckAttempts: z.number().int(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    delivery: z.object({
      status: z.enum(DELIVERY_STATUSES),
      updatedAt: z.string().openapi({ format: 'date-time' }),
      messageId: z.string().optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  })
  .openapi('Verification')

export const checkResultSchema = z
  .object({
    id: z.string(),
    to: z.string(),
    status: z.enum(VERIFICATION_STATUSES),
    valid: z.boolean(),
    checkAttemptsRemaining: z.number().int(),
  })
  .openapi('CheckResult')

export const errorSchema = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ example: 'rate_limited' }),
        message: z.string(),
        requestId: z.string(),
        reason: z.string().optional().openapi({ description: 'which limit refused the request (rate_limited)' }),
        status: z.string().optional().openapi({ description: 'the verification status (not_pending)' }),
      })
      .passthrough(),
  })
  .openapi('Error')

/** The `{id}` of /v1/verifications/{id}: not checked for shape, an id that matches nothing is a 404. */
export const verificationIdParams = z.object({
  id: z
    .string()
    .min(1)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'ver_abcd2345efgh…', description: 'a Verification id' }),
})

/** `Idempotency-Key` of POST /v1/verifications: 1 to 255 printable ASCII characters (the route's own check). */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/)
  .openapi({ example: 'signup-7f3c2a', description: '1 to 255 printable ASCII characters' })

/*
 * Fields of the form routes. The routes read them leniently (a missing or malformed field is a 400 or 403 answer,
 * not a validation error), so these describe the fields rather than validate them.
 */
const numberField = z.string().openapi({
  example: '+12015550123',
  description: 'E.164, digits with the country code, or national digits when DEFAULT_COUNTRY is set; spaces, dots, dashes and parentheses are ignored',
})

export const requestAuthFields = z
  .object({
    number: numberField,
    channel: z.enum(['sms', 'call']).optional().openapi({ description: 'sms (the default), or call: the code is spoken in a phone call ("Call me instead")' }),
  })
  .openapi('RequestAuthFields')

export const validateAuthFields = z
  .object({
    number: numberField,
    auth_code: z.string().openapi({ example: '123456', description: 'the code from the SMS; spaces and dashes are ignored' }),
  })
  .openapi('ValidateAuthFields')

/** The JSON answer of a form route's success: `{ "message": "Your code was sent" }`. */
export const formMessage = z.object({ message: z.string().openapi({ example: 'Your code was sent' }) }).openapi('FormMessage')
