import type { Secrets } from '../secrets.js'
import { isDeliveryStatus, isVerificationStatus, type Verification, type VerificationStatus } from '../verification.js'

/*
 * A verification as stored: one Redis hash, short field names (every verification pays for them), written and read
 * only through this module. The Lua scripts in ./lua/ use the same names.
 *
 *   s   status                      ct  created (ms)              ds  delivery status
 *   e   sealed "to\ncode" (AES-GCM)  ut  updated (ms)              du  delivery updated (ms)
 *   h   keyed hash of the code      xt  expires (ms)              dm  provider message id
 *   nd  keyed digest of the number  sa  send attempts             dc  delivery error code
 *   c   country (ISO alpha-2)       ca  wrong checks so far       de  delivery error message
 *                                   mc  wrong checks allowed
 */

export type RecordFields = Readonly<Record<string, string>>

/** What a verification's sealed field holds. */
export interface SealedContents {
  readonly to: string
  readonly code: string
}

export function sealContents(secrets: Secrets, id: string, contents: SealedContents): string {
  return secrets.seal(id, `${contents.to}\n${contents.code}`)
}

export function openContents(secrets: Secrets, id: string, sealed: string): SealedContents {
  const [to = '', code = ''] = secrets.open(id, sealed).split('\n')
  return { to, code }
}

/** The fields of a script reply that ends with a record's field/value pairs, from position `from`. */
export function fieldsOf(reply: ReadonlyArray<string | number | null>, from: number): RecordFields {
  const out: Record<string, string> = {}
  for (let i = from; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
  return out
}

/** The record's country (for metrics); 'ZZ' when unknown. */
export function countryOf(fields: RecordFields): string {
  return fields.c ?? 'ZZ'
}

/** The Verification resource of a stored record, as it reads at `now` (expiry is lazy in Redis). */
export function toVerification(secrets: Secrets, id: string, fields: RecordFields, now: number): Verification {
  const { to } = openContents(secrets, id, fields.e ?? '')
  const stored = fields.s ?? 'pending'
  const expiresAt = Number(fields.xt)
  let status: VerificationStatus = isVerificationStatus(stored) ? stored : 'pending'
  if (status === 'pending' && now >= expiresAt) status = 'expired'
  const updatedAt = status === 'expired' && stored === 'pending' ? expiresAt : Number(fields.ut)
  return {
    id,
    to,
    channel: 'sms',
    status,
    sendAttempts: Number(fields.sa ?? 1),
    checkAttempts: Number(fields.ca ?? 0),
    maxCheckAttempts: Number(fields.mc),
    createdAt: iso(fields.ct),
    updatedAt: iso(updatedAt),
    expiresAt: iso(expiresAt),
    delivery: {
      status: fields.ds !== undefined && isDeliveryStatus(fields.ds) ? fields.ds : 'queued',
      updatedAt: iso(fields.du ?? fields.ct),
      ...(fields.dm === undefined ? {} : { messageId: fields.dm }),
      ...(fields.dc === undefined ? {} : { error: { code: fields.dc, message: fields.de ?? '' } }),
    },
  }
}

function iso(ms: string | number | undefined): string {
  const value = Number(ms)
  return Number.isFinite(value) ? new Date(value).toISOString() : new Date(0).toISOString()
}
