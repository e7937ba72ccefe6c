import type { Config } from '../../shared/config/index.js'
import type { Keys } from '../../shared/keys.js'
import type { Logger } from '../../shared/logger.js'
import { Script } from '../../shared/lua-script.js'
import type { ApiMetrics } from '../../shared/metrics.js'
import { numberPrefix } from '../../shared/phone.js'
import type { RedisClient } from '../../shared/redis.js'
import type { Secrets } from '../../shared/secrets.js'

/*
 * The fraud guard against SMS pumping: codes requested for number ranges whose operators are paid per message, by
 * callers who never use them. What gives pumping away is that its codes are never used, so the guard watches, per
 * prefix (the country code and the first FRAUD_PREFIX_DIGITS national digits), how many codes were sent over a
 * sliding window and how many of those were approved. A prefix with enough sends and too few approvals among the
 * judged ones is refused for a while, longer each time it comes back. Numbers approved before, and the safe list,
 * always pass. Every refusal names the prefix, the end of the block and the figures behind it.
 *
 * State (keys.fraud): per prefix and per country a hash of time buckets (FRAUD_WINDOW_SECONDS in 60), so memory is
 * bounded whatever the traffic; a block per blocked prefix; a marker per approved number (by keyed digest). The
 * request path pays one script call per new code, one per approval.
 */

const judgeScript = Script.load(new URL('./judge-send.lua', import.meta.url))
const outcomeScript = Script.load(new URL('./record-outcome.lua', import.meta.url))
const uncountScript = Script.load(new URL('./uncount-send.lua', import.meta.url))

const BUCKETS_PER_WINDOW = 60
const MAX_BLOCK_MS = 12 * 3_600_000
/** Strikes (earlier blocks, for the doubling) are remembered this long after a block ends. */
const STRIKE_MEMORY_MS = 24 * 3_600_000
/** An approved number passes every block for this long after its last approval. */
const APPROVED_MEMORY_MS = 90 * 86_400_000

export interface FraudRefusal {
  readonly prefix: string
  /** when the block lifts (ms) */
  readonly until: number
  /** the figures, in a sentence */
  readonly reason: string
  readonly sends: number
  readonly approved: number
}

export type FraudDecision =
  /** counted: the send was counted, to be taken back with `uncount` if it does not happen */
  | { readonly kind: 'pass'; readonly counted: boolean; readonly at: number; readonly prefix: string }
  | ({ readonly kind: 'refused' } & FraudRefusal)

export interface PrefixFigures {
  readonly sends: number
  readonly approved: number
}

export interface FraudOverview {
  readonly mode: Config['fraud']['mode']
  readonly windowSeconds: number
  /** `since`: when the block began; `strikes`: how many blocks in a row (each twice as long as the last) */
  readonly blocks: ReadonlyArray<{ readonly prefix: string; readonly since: string; readonly until: string; readonly reason: string; readonly sends: number; readonly approved: number; readonly strikes: number }>
  readonly prefixes: ReadonlyArray<{ readonly prefix: string } & PrefixFigures>
  readonly countries: ReadonlyArray<{ readonly country: string } & PrefixFigures>
  /** sends and approvals per bucket over the window, oldest first */
  readonly timeline: ReadonlyArray<{ readonly at: string } & PrefixFigures>
}

export interface FraudGuardDeps {
  readonly redis: RedisClient
  readonly keys: Keys
  readonly secrets: Secrets
  readonly config: Pick<Config, 'fraud'>
  readonly logger: Logger
  readonly metrics: ApiMetrics
  readonly now: () => number
}

export function createFraudGuard(deps: FraudGuardDeps) {
  const { redis, keys, secrets, config, logger, metrics } = deps
  const fraud = config.fraud
  const windowMs = fraud.windowSeconds * 1000
  const bucketMs = Math.max(1000, Math.floor(windowMs / BUCKETS_PER_WINDOW))
  const graceMs = fraud.graceSeconds * 1000
  const windowWords = describeSeconds(fraud.windowSeconds)
  const safe = (e164: string): boolean => fraud.safeList.some((entry) => e164.startsWith(entry))
  const prefixOf = (e164: string): string => numberPrefix(e164, fraud.prefixDigits)

  function figures(hash: Record<string, string>, oldest: number): PrefixFigures {
    let sends = 0
    let approved = 0
    for (const [field, value] of Object.entries(hash)) {
      const match = /^(\d+):([sae])$/.exec(field)
      if (match === null || Number(match[1]) < oldest) continue
      if (match[2] === 's') sends += Number(value)
      if (match[2] === 'a') approved += Number(value)
    }
    return { sends, approved }
  }

  return {
    active: fraud.mode !== 'off',

    /** Before a new code goes to `e164`: refused while its prefix is blocked (in enforce mode), else counted. */
    async beforeSend(e164: string, country: string, requestId: string): Promise<FraudDecision> {
      const now = deps.now()
      const prefix = prefixOf(e164)
      const reply = (await judgeScript.run(
        redis,
        [
          keys.fraud.prefixWindow(prefix),
          keys.fraud.countryWindow(country),
          keys.fraud.timeline(),
          keys.fraud.recentPrefixes(),
          keys.fraud.recentCountries(),
          keys.fraud.block(prefix),
          keys.fraud.blocks(),
          keys.fraud.strikes(prefix),
          keys.fraud.approvedNumber(secrets.numberDigest(e164)),
        ],
        [now, prefix, country, windowMs, bucketMs, graceMs, fraud.minSends, fraud.minConversion, fraud.blockSeconds * 1000, MAX_BLOCK_MS, safe(e164) ? '1' : '0', STRIKE_MEMORY_MS, windowWords],
      )) as Array<string | number>
      const kind = String(reply[0])
      const enforce = fraud.mode === 'enforce'
      switch (kind) {
        case 'pass':
          if (reply[1] !== undefined) {
            metrics.fraudLifts.inc({ by: 'time' })
            logger.info({ requestId, prefix, endedAt: new Date(Number(reply[1])).toISOString() }, 'fraud guard: block ended; the prefix is judged afresh')
          }
          return { kind: 'pass', counted: true, at: now, prefix }
        case 'safe':
          return { kind: 'pass', counted: false, at: now, prefix }
        case 'blocked': {
          const refusal: FraudRefusal = { prefix, until: Number(reply[1]), reason: String(reply[2]), sends: Number(reply[3]), approved: Number(reply[4]) }
          metrics.fraudBlocks.inc({ mode: fraud.mode })
          logger.warn(
            { requestId, prefix, country, mode: fraud.mode, sends: refusal.sends, judged: Number(reply[5]), approved: refusal.approved, strikes: Number(reply[6]), until: new Date(refusal.until).toISOString(), reason: refusal.reason },
            enforce ? 'fraud guard: prefix blocked' : 'fraud guard: prefix would be blocked (monitor)',
          )
          if (!enforce || reply[7] === '1') return { kind: 'pass', counted: false, at: now, prefix }
          metrics.fraudRefusals.inc()
          return { kind: 'refused', ...refusal }
        }
        case 'refused': {
          const refusal: FraudRefusal = { prefix, until: Number(reply[1]), reason: String(reply[2]), sends: Number(reply[3]), approved: Number(reply[4]) }
          if (!enforce) {
            logger.info({ requestId, prefix, until: new Date(refusal.until).toISOString() }, 'fraud guard: would refuse (monitor)')
            return { kind: 'pass', counted: false, at: now, prefix }
          }
          metrics.fraudRefusals.inc()
          return { kind: 'refused', ...refusal }
        }
        default:
          throw new Error(`fraud judge script answered ${kind}`)
      }
    },

    /** A counted send did not happen after all (a per-number limit refused it). */
    async uncount(decision: Extract<FraudDecision, { kind: 'pass' }>, country: string): Promise<void> {
      if (!decision.counted) return
      await uncountScript.run(redis, [keys.fraud.prefixWindow(decision.prefix), keys.fraud.countryWindow(country), keys.fraud.timeline()], [decision.at, bucketMs])
    },

    /** A verification ended: approved (its number passes from now on), or otherwise (canceled, out of attempts). */
    async ended(e164: string, country: string, sentAt: number, approved: boolean): Promise<void> {
      const prefix = prefixOf(e164)
      await outcomeScript.run(
        redis,
        [keys.fraud.prefixWindow(prefix), keys.fraud.countryWindow(country), keys.fraud.timeline(), keys.fraud.approvedNumber(secrets.numberDigest(e164))],
        [deps.now(), sentAt, bucketMs, windowMs, approved ? 'a' : 'e', APPROVED_MEMORY_MS],
      )
    },

    /** Lifts a block at once (the admin call); the prefix is judged afresh from now. False when there was none. */
    async lift(prefix: string): Promise<boolean> {
      const [[, removed] = [null, 0]] = (await redis.multi().del(keys.fraud.block(prefix)).zrem(keys.fraud.blocks(), prefix).exec()) ?? []
      if (removed !== 1) return false
      metrics.fraudLifts.inc({ by: 'admin' })
      logger.warn({ prefix }, 'fraud guard: block lifted by an operator; the prefix is judged afresh')
      return true
    },

    /** What the admin page and GET /admin/fraud show. */
    async overview(limit = 50): Promise<FraudOverview> {
      const now = deps.now()
      const oldest = Math.floor((now - windowMs) / bucketMs)
      const [blockPrefixes, recentPrefixes, recentCountries, timeline] = await Promise.all([
        redis.zrangebyscore(keys.fraud.blocks(), now, '+inf'),
        redis.zrevrangebyscore(keys.fraud.recentPrefixes(), '+inf', now - windowMs, 'LIMIT', 0, 1000),
        redis.zrevrangebyscore(keys.fraud.recentCountries(), '+inf', now - windowMs, 'LIMIT', 0, 300),
        redis.hgetall(keys.fraud.timeline()),
      ])
      const blocks = await Promise.all(
        blockPrefixes.map(async (prefix) => {
          const b = await redis.hgetall(keys.fraud.block(prefix))
          return { prefix, since: new Date(Number(b.at)).toISOString(), until: new Date(Number(b.until)).toISOString(), reason: b.reason ?? '', sends: Number(b.sends ?? 0), approved: Number(b.approved ?? 0), strikes: Number(b.strikes ?? 1) }
        }),
      )
      const read = async <K extends string>(names: string[], key: (n: string) => string, label: K) =>
        (await Promise.all(names.map(async (name) => ({ [label]: name, ...figures(await redis.hgetall(key(name)), oldest) }) as { [P in K]: string } & PrefixFigures)))
          .filter((row) => row.sends > 0)
          .sort((a, b) => b.sends - a.sends)
          .slice(0, limit)
      const [prefixes, countries] = await Promise.all([
        read(recentPrefixes, (p) => keys.fraud.prefixWindow(p), 'prefix'),
        read(recentCountries, (c) => keys.fraud.countryWindow(c), 'country'),
      ])
      const series: Array<{ at: string } & PrefixFigures> = []
      for (let b = oldest + 1; b <= Math.floor(now / bucketMs); b++) {
        series.push({ at: new Date(b * bucketMs).toISOString(), sends: Number(timeline[`${b}:s`] ?? 0), approved: Number(timeline[`${b}:a`] ?? 0) })
      }
      return { mode: fraud.mode, windowSeconds: fraud.windowSeconds, blocks, prefixes, countries, timeline: series }
    },
  }
}

export type FraudGuard = ReturnType<typeof createFraudGuard>

/** "hour", "10 minutes", "2 hours": the window as the refusal's reason says it. */
export function describeSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`
  if (seconds % 60 === 0) return seconds === 60 ? 'minute' : `${seconds / 60} minutes`
  return `${seconds} seconds`
}
