import type { Context } from 'hono'
import { ApiError } from './errors.js'

/** Request fields as flat strings. A field given twice in one source is refused rather than guessed at. */
export type Fields = Record<string, string>

const MAX_FIELD_LENGTH = 1_024

/**
 * Reads fields from the query string and the body (JSON or form); the body wins over the query.
 * Form bodies are parsed with URLSearchParams on the raw text.
 */
export async function readFields(c: Context): Promise<Fields> {
  const fields = emptyFields()
  const url = c.req.url
  const q = url.indexOf('?')
  if (q !== -1) collect(new URLSearchParams(url.slice(q + 1)), fields, 'query string')

  const method = c.req.method
  if (method === 'GET' || method === 'HEAD') return fields

  const text = await c.req.text()
  if (text.length === 0) return fields
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''

  if (type === 'application/x-www-form-urlencoded') {
    Object.assign(fields, collect(new URLSearchParams(text), emptyFields(), 'body'))
  } else if (type === 'application/json' || type.endsWith('+json')) {
    Object.assign(fields, fromJson(text))
  } else if (type === '') {
    throw new ApiError('unsupported_media_type', 'A request body needs a Content-Type: application/json or application/x-www-form-urlencoded.')
  } else {
    throw new ApiError('unsupported_media_type', `Content-Type ${type.slice(0, 64)} is not accepted; send application/json or application/x-www-form-urlencoded.`)
  }
  return fields
}

/** No prototype: a field named __proto__ is just a field. */
function emptyFields(): Fields {
  return Object.create(null) as Fields
}

function collect(params: URLSearchParams, into: Fields, where: string): Fields {
  const seen = new Set<string>()
  for (const [name, value] of params) {
    if (seen.has(name)) throw new ApiError('invalid_request', `The field "${printable(name)}" appears more than once in the ${where}.`)
    seen.add(name)
    into[name] = limit(name, value)
  }
  return into
}

function fromJson(text: string): Fields {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ApiError('invalid_request', 'The body is not valid JSON.')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiError('invalid_request', 'The JSON body must be an object.')
  }
  const fields = emptyFields()
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') fields[name] = limit(name, value)
    else if (typeof value === 'number' && Number.isFinite(value)) fields[name] = String(value)
    else if (typeof value === 'boolean') fields[name] = String(value)
    else if (value !== null) throw new ApiError('invalid_request', `The field "${printable(name)}" must be a string.`)
  }
  return fields
}

function limit(name: string, value: string): string {
  if (value.length > MAX_FIELD_LENGTH) throw new ApiError('invalid_request', `The field "${printable(name)}" is too long.`)
  return value
}

/** A field name safe to echo back in a message. */
function printable(name: string): string {
  return name.replace(/[^\w.-]/g, '?').slice(0, 40)
}

/** True when the caller asked for JSON. */
export function wantsJson(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('application/json')
}

/** True for a browser navigation (a plain form post without JavaScript). */
export function wantsHtml(c: Context): boolean {
  const accept = c.req.header('accept') ?? ''
  return accept.includes('text/html') && !accept.includes('application/json')
}
