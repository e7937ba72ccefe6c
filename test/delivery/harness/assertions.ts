import assert from 'node:assert/strict'
import type { ReceivedMessage } from '../../fake-relay/server.js'
import type { Verification } from '../../../shared/verification.js'

/** How many SMS reached a number that had already received one (the number itself is never reported). */
export function duplicates(messages: readonly ReceivedMessage[]): number {
  const seen = new Set<string>()
  let extra = 0
  for (const m of messages) {
    if (seen.has(m.to)) extra++
    else seen.add(m.to)
  }
  return extra
}

/**
 * No SMS in any test is received after its code's expiry: every message the relay took for one of these
 * verifications arrived before that verification's `expiresAt`. A resend keeps `expiresAt`, and each number has one
 * verification per test, so the number names the verification.
 */
export function assertNoneAfterExpiry(messages: readonly ReceivedMessage[], verifications: readonly Verification[]): void {
  const expiry = new Map(verifications.map((v) => [v.to, Date.parse(v.expiresAt)]))
  let late = 0
  let worst = 0
  for (const m of messages) {
    const expiresAt = expiry.get(m.to)
    if (expiresAt === undefined || m.receivedAt < expiresAt) continue
    late++
    worst = Math.max(worst, m.receivedAt - expiresAt)
  }
  assert.equal(late, 0, `${late} SMS reached the relay after their code had expired (the latest ${worst} ms after)`)
}

/** The messages for a set of numbers. */
export function messagesTo(messages: readonly ReceivedMessage[], tos: Iterable<string>): ReceivedMessage[] {
  const wanted = new Set(tos)
  return messages.filter((m) => wanted.has(m.to))
}
