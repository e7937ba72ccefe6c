import type { BenchContext, HttpRow } from '../context.js'
import { numberAt } from '../numbers.js'
import { BENCH_ACCOUNT, benchBasic } from '../stack.js'
import { measure, warmUp } from './http.js'

/**
 * The compatibility surfaces under the same closed-loop load as /v1: a /v2 create (Twilio's form body and Basic
 * auth) and a wrong-code VerificationCheck against the verifications it made, each once (a /v2 service allows five
 * wrong codes); an MFA create (SignalWire's JSON and Basic auth).
 */
export async function surfaces(ctx: BenchContext): Promise<HttpRow[]> {
  const created = await fetch(`${ctx.stack.apiUrl}/v2/Services`, {
    method: 'POST',
    headers: { Authorization: benchBasic(BENCH_ACCOUNT), 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'FriendlyName=Bench',
  })
  if (created.status !== 201) throw new Error(`could not create the bench's /v2 service: ${created.status}`)
  const service = ((await created.json()) as { sid: string }).sid
  const basic = benchBasic(BENCH_ACCOUNT)
  await warmUp(ctx, ctx.stack.apiUrl, 'v2-create', true, { basic, service })
  const start = ctx.numbers.next
  const v2Create = await measure(ctx, 'POST /v2/Services/{VA}/Verifications', { kind: 'v2-create', url: ctx.stack.apiUrl, duration: ctx.seconds, basic, service })
  // Each number the create run used, once: [to, a code] (wrongCode() turns 000000 into 000001, surely wrong).
  const pairs = Array.from({ length: v2Create.result.numbersUsed - 2 * ctx.connections }, (_, i) => [numberAt(start + i), '000000'] as const)
  const pairsFile = ctx.load.file('v2-pairs.json', pairs)
  const v2Check = await measure(ctx, 'POST /v2/Services/{VA}/VerificationCheck (wrong code)', {
    kind: 'v2-check-wrong',
    url: ctx.stack.apiUrl,
    amount: Math.max(1, pairs.length - 2 * ctx.connections),
    pairsFile,
    basic,
    service,
  })
  const mfaBasic = benchBasic('bench-project')
  const mfa = await measure(ctx, 'POST /api/relay/rest/mfa/sms', { kind: 'mfa-create', url: ctx.stack.apiUrl, duration: ctx.seconds, basic: mfaBasic })
  return [v2Create.row, v2Check.row, mfa.row]
}
