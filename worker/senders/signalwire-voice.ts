import type { SWClient, Voice } from '@signalwire/realtime-api'
import { settleWithin } from '../../shared/timeout.js'

/*
 * Voice calls through the realtime SDK (RELAY.md §7), around its traps:
 *
 * - dialPhone() cannot be trusted with several dials in flight on one client (§7.1): it waits on the client's one
 *   Voice emitter with no filter on the dial's tag, so the first dial to settle settles them all, with its own Call.
 *   What the SDK does filter by tag is the per-dial `listen` listener, attached to the Call it makes from this dial's
 *   own state events. So this dial's Call and outcome come from listen.onStateChanged; what dialPhone() resolves with
 *   is ignored, and its rejection is used only for the reason, and only when it carries this dial's tag.
 * - playTTS() resolves only when playback finished, and never if the callee hangs up first: speak() also ends when
 *   the call's own state says ended.
 * - hangup() settles only on an `ended` event that carries the dial's tag: it is bounded.
 */

export type Call = Voice.Call
type DialParams = Omit<Parameters<SWClient['voice']['dialPhone']>[0], 'listen'>

/** A dial that ended without an answered call. */
export class DialFailure extends Error {
  override name = 'DialFailure'

  constructor(
    /** RELAY's reason ('busy', 'noAnswer', …) when this dial saw it; 'deadline' when it stopped waiting; 'request' when calling.dial itself failed; else 'unknown' */
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`dial failed: ${reason}`, cause === undefined ? undefined : { cause })
  }
}

const isUp = (call: Call): boolean => call.state !== 'ending' && call.state !== 'ended'

function isDialFailed(value: unknown): value is { readonly tag: string; readonly reason?: unknown } {
  return typeof value === 'object' && value !== null && (value as { dialState?: unknown }).dialState === 'failed' && typeof (value as { tag?: unknown }).tag === 'string'
}

/** The `end_reason` of the call's last state event, which the SDK keeps but does not expose. */
function endReasonOf(call: Call | undefined): string | undefined {
  const reason = (call as unknown as { _payload?: { end_reason?: unknown } } | undefined)?._payload?.end_reason
  return typeof reason === 'string' && reason.length > 0 ? reason : undefined
}

/**
 * Dials and resolves with this dial's answered Call, however many other dials share the client; rejects with
 * DialFailure. After `deadlineMs` it stops waiting and hangs up a call that is still ringing or answers late.
 * `onDialing` runs once the dial is on its way (the first state event of this dial).
 */
export function dialOwnCall(client: SWClient, params: DialParams, deadlineMs: number, onDialing?: () => void): Promise<Call> {
  return new Promise<Call>((resolve, reject) => {
    let own: Call | undefined
    let sdkSettled = false
    let reason: string | undefined
    let done = false
    const deadline = setTimeout(() => fail('deadline'), deadlineMs)

    const finish = (): boolean => {
      if (done) return false
      done = true
      clearTimeout(deadline)
      return true
    }
    function fail(why: string, cause?: unknown): void {
      if (!finish()) return
      reject(new DialFailure(why, cause))
      if (own !== undefined && isUp(own)) own.hangup().catch(() => undefined)
    }
    const failEnded = (): void => fail(reason ?? endReasonOf(own) ?? 'unknown')

    const onStateChanged = (call: Call): void => {
      const first = own === undefined
      own = call
      if (first) onDialing?.()
      if (call.state === 'answered') {
        if (finish()) resolve(call)
        else call.hangup().catch(() => undefined) // answered after we stopped waiting
      } else if (call.state === 'ended' && sdkSettled) {
        failEnded()
      }
      // Ended while dialPhone() is pending: this dial's own `dial failed` (with its reason) comes next.
    }

    client.voice.dialPhone({ ...params, listen: { onStateChanged } }).then(
      () => {
        sdkSettled = true
        if (own?.state === 'ended') failEnded()
      },
      (error: unknown) => {
        sdkSettled = true
        if (!isDialFailed(error)) {
          // Not a dial outcome: this dial's own request failed (each request rejects only its own promise).
          if (own === undefined) fail('request', error)
          return
        }
        if (own !== undefined && error.tag === own.tag && typeof error.reason === 'string') reason = error.reason
        if (own?.state === 'ended') failEnded()
      },
    )
  })
}

/**
 * Speaks `text`: 'finished' when playback ended, 'ended' if the call ended first (the callee hung up), 'error' when
 * RELAY refused or broke off the playback, 'timeout' after `limitMs`.
 */
export async function speak(call: Call, tts: { readonly text: string; readonly language: string }, limitMs: number): Promise<'finished' | 'ended' | 'error' | 'timeout'> {
  let unsubscribe: (() => Promise<void>) | undefined
  let timer: NodeJS.Timeout | undefined
  const ended = new Promise<'ended'>((resolve) => {
    call.listen({ onStateChanged: (changed) => changed.state === 'ended' && resolve('ended') }).then(
      (off) => (unsubscribe = off),
      () => undefined,
    )
  })
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limitMs)))
  try {
    const played = call.playTTS({ text: tts.text, language: tts.language }).then(
      (playback) => (playback.state === 'error' ? ('error' as const) : ('finished' as const)),
      () => 'error' as const,
    )
    return await Promise.race([played, ended, timeout])
  } finally {
    clearTimeout(timer)
    await unsubscribe?.().catch(() => undefined)
  }
}

/** Hangs up, waiting at most `limitMs` for RELAY to say the call ended. */
export async function hangUp(call: Call, limitMs: number): Promise<void> {
  if (!isUp(call)) return
  await settleWithin(
    call.hangup().catch(() => undefined),
    limitMs,
  )
}
