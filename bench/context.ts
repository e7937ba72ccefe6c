import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import type { LoadRunner } from './load-client.js'
import type { NumberCursor } from './numbers.js'
import type { Stack } from './stack.js'

/** What every scenario gets from run.ts. */
export interface BenchContext {
  /** BENCH_QUICK=1: shorter runs and smaller counts, for development */
  readonly quick: boolean
  readonly connections: number
  /** seconds per measured HTTP run */
  readonly seconds: number
  readonly stack: Stack
  readonly load: LoadRunner
  readonly numbers: NumberCursor
  readonly redis: Redis
  readonly queue: Queue
  readonly prefix: string
  readonly apiKey: string
  readonly tmp: string
  /** number → code of every SMS the relay received so far (see harvestCodes) */
  readonly codes: Map<string, string>
  /** a progress line on stderr */
  log(message: string): void
}

/** One HTTP scenario's figures. */
export interface HttpRow {
  readonly name: string
  readonly rps: number
  readonly p50: number
  readonly p99: number
  /** requests/s divided by the baseline's (p99 rows: p99 divided by the reference p99) */
  readonly ratio?: number
  readonly ratioOf?: string
  readonly requests: number
  /** CPU time of the server process per request, ms (steadier than req/s on a shared machine) */
  readonly cpuMsPerRequest?: number
  /** cpuMsPerRequest divided by the baseline's */
  readonly cpuRatio?: number
  readonly statuses: Record<string, number>
  readonly note?: string
  readonly target?: string
  readonly met?: boolean
  /** by how much a missed target was missed, in words */
  readonly miss?: string
}

/** A figure that is not an HTTP run: SMS/s, bytes per verification, achieved rate. */
export interface MetricRow {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly target?: string
  readonly met?: boolean
  /** by how much a missed target was missed, in words */
  readonly miss?: string
  readonly note?: string
}

export interface Results {
  readonly http: HttpRow[]
  readonly metrics: MetricRow[]
  readonly details: Record<string, unknown>
}
