import type { CodeAlphabet } from '../codes.js'
import { isLocale, type Locale } from '../messages/locales.js'
import type { Secrets } from '../secrets.js'
import { isDeliveryStatus, isVerificationStatus, type Channel, type Verification, type VerificationStatus } from '../verification.js'

/*
 * A verification as stored: one Redis hash, short field names (every verification pays for them), written and read
 * only through this module. The Lua scripts in ./lua/ use the same names.
 *
 *   s   status                       ct  created (ms)             ds  delivery status
 *   e   sealed number and code       ut  updated (ms)             du  delivery updated (ms)
 *   h   keyed hash of the code       xt  expires (ms)             dm  provider message id
 *   nd  keyed digest of the number   sa  send attempts            dc  delivery error code
 *   ns  its digest in its service    ca  wrong checks so far      de  delivery error message
 *       (absent: the same as nd)     mc  wrong checks allowed     sl  send log: `<epoch s>:<s|c>,…`
 *   c   country (ISO alpha-2)        cl  code length              lc  locale
 *   sv  service (absent: default)    ab  'a': letters and digits  ch  'c': the latest send was a call
 *   fr  sender number (MFA `from`)   mg  text before the code     ow  owner (the MFA project)
 *   fn  the name said in the message     (MFA `message`)           fc  the send attempt a fallback
 *       (/v2 CustomFriendlyName)                                      call became
 *
 * `ut`, `du` and `sl` are absent while they would say the same as `ct` (created, sent once, nothing since).
 */

export type RecordFields = Readonly<Record<string, string>>

/** A verification with what only the service and the worker need besides the public resource. */
export interface StoredVerification {
  readonly resource: Verification
  readonly country: string
  readonly codeLength: number
  readonly alphabet: CodeAlphabet
  readonly locale: Locale
  /** every send, oldest first */
  readonly sends: ReadonlyArray<{ readonly at: number; readonly channel: Channel }>
  readonly sender?: string
  readonly prefix?: string
  readonly owner?: string
  /** the name its messages say instead of the service's */
  readonly friendlyName?: string
}

/** What a new verification is made of, besides what the create script fills in (status, counters, times). */
export interface NewRecord {
  readonly sealed: string
  readonly codeHash: string
  readonly country: string
  readonly digest: string
  readonly scopedDigest: string
  /** undefined for the default service */
  readonly service: string | undefined
  readonly maxCheckAttempts: number
  readonly codeLength: number
  readonly alphabet: CodeAlphabet
  readonly locale: Locale
  readonly sender?: string
  readonly prefix?: string
  readonly owner?: string
  readonly friendlyName?: string
}

/** The field/value pairs the create script writes for a new record. */
export function encodeNewRecord(r: NewRecord): string[] {
  const out = ['e', r.sealed, 'h', r.codeHash, 'c', r.country, 'nd', r.digest, 'mc', String(r.maxCheckAttempts), 'cl', String(r.codeLength), 'lc', r.locale]
  if (r.scopedDigest !== r.digest) out.push('ns', r.scopedDigest)
  if (r.service !== undefined) out.push('sv', r.service)
  if (r.alphabet === 'alphanumeric') out.push('ab', 'a')
  if (r.sender !== undefined) out.push('fr', r.sender)
  if (r.prefix !== undefined) out.push('mg', r.prefix)
  if (r.owner !== undefined) out.push('ow', r.owner)
  if (r.friendlyName !== undefined) out.push('fn', r.friendlyName)
  return out
}

/** The letter a channel is written as in `ch` and `sl`. */
export function channelLetter(channel: Channel): 's' | 'c' {
  return channel === 'call' ? 'c' : 's'
}

/** What a verification's sealed field holds. */
export interface SealedContents {
  readonly to: string
  readonly code: string
}

/**
 * A number and an all-digit code are sealed packed, a digit per half byte (`0xf` between them, `0xe` to fill the
 * last byte): 9 to 13 bytes instead of 17 to 27, so the sealed field stays within the 64 bytes up to which Redis
 * keeps the whole hash in its compact encoding (a hash with one longer value takes about 2.5 times the memory).
 * Anything else (letters in the code) is sealed as text, `to\ncode`; text always starts with `+`, which no packed
 * value does.
 */
const SEPARATOR = 0xf
const FILL = 0xe

function pack(to: string, code: string): Uint8Array | undefined {
  if (!/^\+\d{1,15}$/.test(to) || !/^\d{1,20}$/.test(code)) return undefined
  const nibbles = `${to.slice(1)}:${code}`
  const out = new Uint8Array(Math.ceil(nibbles.length / 2))
  for (let i = 0; i < nibbles.length; i++) {
    const c = nibbles.charCodeAt(i)
    const nibble = c === 58 ? SEPARATOR : c - 48
    out[i >> 1] = (out[i >> 1] ?? 0) | (i % 2 === 0 ? nibble << 4 : nibble)
  }
  if (nibbles.length % 2 === 1) out[out.length - 1] = (out[out.length - 1] ?? 0) | FILL
  return out
}

function unpack(bytes: Buffer): SealedContents {
  let to = '+'
  let code = ''
  let inCode = false
  for (const byte of bytes) {
    for (const nibble of [byte >> 4, byte & 0xf]) {
      if (nibble === SEPARATOR) inCode = true
      else if (nibble !== FILL) {
        if (inCode) code += String(nibble)
        else to += String(nibble)
      }
    }
  }
  return { to, code }
}

export function sealContents(secrets: Secrets, id: string, contents: SealedContents): string {
  return secrets.seal(id, pack(contents.to, contents.code) ?? `${contents.to}\n${contents.code}`)
}

export function openContents(secrets: Secrets, id: string, sealed: string): SealedContents {
  const bytes = secrets.openBytes(id, sealed)
  if (bytes[0] !== 0x2b) return unpack(bytes)
  const [to = '', code = ''] = bytes.toString('utf8').split('\n')
  return { to, code }
}

/** The fields of a script reply that ends with a record's field/value pairs, from position `from`. */
export function fieldsOf(reply: ReadonlyArray<string | number | null>, from: number): RecordFields {
  const out: Record<string, string> = {}
  for (let i = from; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
  return out
}

/**
 * A stored record, as it reads at `now` (expiry is lazy in Redis). `defaults` fill what records from before a
 * field existed lack. Throws `UnsealError` when no configured key opens it.
 */
export function decodeRecord(
  secrets: Secrets,
  id: string,
  fields: RecordFields,
  now: number,
  defaults: { readonly service: string; readonly codeLength: number; readonly locale: Locale },
  /** the number, when the caller already has it (it just wrote or looked the record up by it): nothing to open */
  knownTo?: string,
): StoredVerification {
  const to = knownTo ?? openContents(secrets, id, fields.e ?? '').to
  const stored = fields.s ?? 'pending'
  const expiresAt = Number(fields.xt)
  let status: VerificationStatus = isVerificationStatus(stored) ? stored : 'pending'
  if (status === 'pending' && now >= expiresAt) status = 'expired'
  const updatedAt = status === 'expired' && stored === 'pending' ? expiresAt : Number(fields.ut ?? fields.ct)
  const locale = fields.lc !== undefined && isLocale(fields.lc) ? fields.lc : defaults.locale
  const sends = (fields.sl ?? '')
    .split(',')
    .filter((entry) => entry.length > 0)
    .map((entry): { at: number; channel: Channel } => ({ at: Number(entry.slice(0, -2)) * 1000, channel: entry.endsWith(':c') ? 'call' : 'sms' }))
  return {
    resource: {
      id,
      service: fields.sv ?? defaults.service,
      to,
      channel: fields.ch === 'c' ? 'call' : 'sms',
      locale,
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
    },
    country: fields.c ?? 'ZZ',
    codeLength: fields.cl === undefined ? defaults.codeLength : Number(fields.cl),
    alphabet: fields.ab === 'a' ? 'alphanumeric' : 'digits',
    locale,
    // Sent once: no log, the one send is the creation, on the channel shown.
    sends: sends.length > 0 ? sends : [{ at: Math.floor(Number(fields.ct) / 1000) * 1000, channel: fields.ch === 'c' ? 'call' : 'sms' }],
    ...(fields.fr === undefined ? {} : { sender: fields.fr }),
    ...(fields.mg === undefined ? {} : { prefix: fields.mg }),
    ...(fields.ow === undefined ? {} : { owner: fields.ow }),
    ...(fields.fn === undefined ? {} : { friendlyName: fields.fn }),
  }
}

function iso(ms: string | number | undefined): string {
  const value = Number(ms)
  return Number.isFinite(value) ? new Date(value).toISOString() : new Date(0).toISOString()
}
