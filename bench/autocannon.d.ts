// The part of autocannon 9's API the load generator uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface RequestData {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }

  export interface Request extends RequestData {
    /** called before each request; returning undefined restarts the request sequence */
    setupRequest?: (request: RequestData, context: Record<string, unknown>) => RequestData | undefined
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
  }

  export interface Options {
    url: string
    connections?: number
    /** seconds */
    duration?: number
    amount?: number
    overallRate?: number
    /** seconds */
    timeout?: number
    method?: string
    headers?: Record<string, string>
    body?: string
    requests?: Request[]
    excludeErrorStats?: boolean
  }

  export interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p99: number
  }

  export interface Result {
    requests: Histogram
    latency: Histogram
    /** seconds */
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    start: Date
    finish: Date
    statusCodeStats: Record<string, { count: number }>
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this
    on(event: 'reqError', listener: (error: Error) => void): this
    on(event: 'done', listener: (result: Result) => void): this
  }

  function autocannon(options: Options): Instance
  export default autocannon
}
