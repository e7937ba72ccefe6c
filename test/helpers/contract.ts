import assert from 'node:assert/strict'
import { buildOpenApiDocument } from '../../api/openapi/document.js'

/**
 * The OpenAPI document as a yardstick for answers: every answer of a documented operation must have a status that
 * operation declares, and an error envelope's `code` must be one of the codes declared for that status (the
 * examples are keyed by code, see api/openapi/responses.ts). A handler that answers an undeclared code fails here.
 */

interface Operation {
  readonly responses: Record<string, { content?: Record<string, { examples?: Record<string, unknown> }> }>
}
export interface ContractDocument {
  readonly paths: Record<string, Record<string, Operation>>
}

interface Matcher {
  readonly method: string
  readonly template: string
  readonly pattern: RegExp
  readonly operation: Operation
}

export interface Contract {
  /** What is wrong with this answer to `method url`, or undefined when it keeps the contract or is undocumented. */
  problem(method: string, url: string, status: number, body: unknown): string | undefined
  /** Fails the test when the answer breaks the contract; reads a clone, so the caller can still read `res`. */
  check(method: string, url: string, res: Response): Promise<void>
}

export function contractOf(doc: ContractDocument): Contract {
  const matchers: Matcher[] = []
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{\w+\\?\}/g, '[^/]+')}$`)
    for (const [method, operation] of Object.entries(item)) matchers.push({ method: method.toUpperCase(), template, pattern, operation })
  }
  // Literal paths before templated ones: /v1/verifications/check is not /v1/verifications/{id}.
  matchers.sort((a, b) => Number(a.template.includes('{')) - Number(b.template.includes('{')))

  const problem: Contract['problem'] = (method, url, status, body) => {
    const path = new URL(url, 'http://localhost').pathname
    const m = matchers.find((x) => x.method === method && x.pattern.test(path))
    if (m === undefined) return undefined
    const declared = m.operation.responses[String(status)]
    if (declared === undefined) return `${method} ${m.template} answered ${status}, which it does not declare`
    const code = errorCodeOf(body)
    if (code === undefined) return undefined
    const codes = Object.keys(declared.content?.['application/json']?.examples ?? {})
    if (!codes.includes(code)) return `${method} ${m.template} answered ${status} ${code}; it declares ${codes.join(', ') || 'no error code'} for ${status}`
    return undefined
  }

  return {
    problem,
    async check(method, url, res) {
      const type = res.headers.get('content-type') ?? ''
      const body: unknown = type.includes('json') ? await res.clone().json() : undefined
      const found = problem(method, url, res.status, body)
      assert.equal(found, undefined, found)
    },
  }
}

function errorCodeOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || !('error' in body)) return undefined
  const error = body.error
  if (error === null || typeof error !== 'object' || !('code' in error)) return undefined
  const code = error.code
  return typeof code === 'string' ? code : undefined
}

/** The service's own document (public routes on), as the contract every in-process test request is held to. */
export const serviceContract: Contract = contractOf(JSON.parse(JSON.stringify(buildOpenApiDocument({ publicRoutes: true }))) as ContractDocument)
