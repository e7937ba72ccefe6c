/** What the parent asks the load generator (bench/load.ts, a separate process) to do, and what it answers. */

export type LoadKind =
  /** POST /request-auth, form body, distinct numbers (the baseline server answers the same route) */
  | 'form-request'
  /** POST /v1/verifications, JSON body, Bearer key, distinct numbers */
  | 'v1-create'
  /** POST /v1/verifications with a wrong API key: what the framework, middleware and key check cost (401) */
  | 'v1-create-unauthorized'
  /** POST /v1/verifications with distinct numbers one digit short: add body, validation and phone parsing (400) */
  | 'v1-create-invalid'
  /** POST /v1/verifications/check with the right code of each prepared verification */
  | 'v1-check-right'
  /** POST /v1/verifications/check with a wrong code for each prepared verification */
  | 'v1-check-wrong'
  /** POST /v2/Services/{VA}/Verifications, form body, Basic auth (`basic`, `service`), distinct numbers */
  | 'v2-create'
  /** POST /v2/Services/{VA}/VerificationCheck with a wrong code, each prepared number once */
  | 'v2-check-wrong'
  /** POST /api/relay/rest/mfa/sms, JSON, Basic auth (`basic`), distinct numbers */
  | 'mfa-create'

export interface LoadSpec {
  readonly kind: LoadKind
  /** base URL, e.g. http://127.0.0.1:3000 */
  readonly url: string
  readonly connections: number
  /** seconds; or `amount` requests */
  readonly duration?: number
  readonly amount?: number
  /** open loop: requests per second on a steady schedule, over at most `connections` sockets; none = closed loop */
  readonly overallRate?: number
  /** first index for numberAt() (create and form runs) */
  readonly numbersStart?: number
  readonly apiKey?: string
  /** check runs: a JSON file holding [to, code][] */
  readonly pairsFile?: string
  /** v1-create: return [to, createdAt ms] of every 201 answer */
  readonly collectCreated?: boolean
  /** /v2 and MFA runs: the Authorization header */
  readonly basic?: string
  /** /v2 runs: the service sid */
  readonly service?: string
}

export interface LoadResult {
  /** completed responses */
  readonly requests: number
  readonly seconds: number
  readonly rps: number
  /** ms, over every completed response */
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  /** responses per HTTP status */
  readonly statuses: Record<string, number>
  /** responses with the expected status whose body said otherwise (check runs) */
  readonly unexpectedBodies: number
  /** connection errors and timeouts */
  readonly errors: number
  /** how many numbers (or pairs) were handed to requests; the next run starts after them */
  readonly numbersUsed: number
  readonly created?: ReadonlyArray<readonly [string, number]>
}

/** The status every request of a kind should get; anything else is reported. */
export function expectedStatus(kind: LoadKind): number {
  if (kind === 'v1-create' || kind === 'v2-create') return 201
  if (kind === 'v1-create-unauthorized') return 401
  if (kind === 'v1-create-invalid') return 400
  return 200
}
