import { createHash } from 'node:crypto'
import { SignalWire, type SWClient, type SWClientOptions } from '@signalwire/realtime-api'
import { parseSendReference } from '../../shared/jobs.js'
import type { Logger } from '../../shared/logger.js'
import { maskPhone } from '../../shared/phone.js'
import { settleWithin, withTimeout } from '../../shared/timeout.js'
import { NOT_CONNECTED, SendFailure, type DeliveryReceipt, type Sender } from './sender.js'
import { classifyRejection } from './signalwire-errors.js'
import { dialOwnCall, DialFailure, hangUp, speak } from './signalwire-voice.js'

export interface SignalWireSenderOptions {
  readonly project: string
  readonly token: string
  /** RELAY host override (`ws://127.0.0.1:9500` for a local relay); the SDK's default otherwise */
  readonly host: string | undefined
  /** sender numbers (E.164); more than one is a pool */
  readonly numbers: readonly string[]
  /** the RELAY context (topic) sends are tagged with and receipts are listened for on */
  readonly context: string
  readonly logger: Logger
  readonly onReceipt: (receipt: DeliveryReceipt) => void
  /** the client died for good after boot (credentials revoked): the process should stop */
  readonly onFatal: (reason: string) => void
  /** the RELAY socket went down (false) or came back (true) */
  readonly onConnectionChange?: (connected: boolean) => void
  /** how often to say "still connecting" while the first connection waits (default 15 s) */
  readonly connectWarnAfterMs?: number
}

export interface SignalWireSender extends Sender {
  /** how many saga tasks the SDK client holds (see pruneFinishedSdkTasks); undefined if the SDK changed shape */
  sdkTasksHeld(): number | undefined
}

export class SignalWireAuthError extends Error {
  override name = 'SignalWireAuthError'
}

/**
 * One long-lived RELAY client per worker process. Guards against the SDK's traps (RELAY.md §8, §12): bad
 * credentials resolve instead of rejecting, rejections are not Errors, a send can wait forever, and the SDK's
 * logger prints whole requests, SMS text included.
 */
export async function createSignalWireSender(options: SignalWireSenderOptions): Promise<SignalWireSender> {
  const logger = options.logger.child({ provider: 'signalwire' })
  let authFailed: string | undefined
  let booted = false
  // Whether the RELAY socket is up. While it is down the SDK does not refuse a send: it queues it, with no timeout,
  // and flushes the queue on the next connection, however late (RELAY.md §8). A code sent that way can arrive after
  // it expired, and every retry queues one more copy. So no send is handed to the SDK while the socket is down.
  let connected = false
  const setConnected = (up: boolean): void => {
    if (up === connected) return
    connected = up
    options.onConnectionChange?.(up)
  }

  const clientOptions: SWClientOptions & { logger: SdkLogger } = {
    project: options.project,
    token: options.token,
    ...(options.host === undefined ? {} : { host: options.host }),
    logger: redactingSdkLogger(logger),
    listen: {
      onAuthError: (error) => {
        authFailed = error.message
        if (booted) options.onFatal(`SignalWire rejected the credentials: ${error.message}`)
      },
      onReconnecting: () => {
        setConnected(false)
        logger.warn('RELAY connection lost: reconnecting')
      },
      onDisconnected: () => {
        setConnected(false)
      },
      onConnected: () => {
        setConnected(true)
        logger.info('RELAY connected')
      },
    },
  }

  const warnEvery = options.connectWarnAfterMs ?? 15_000
  const started = Date.now()
  const warn = setInterval(() => {
    logger.warn({ waitedMs: Date.now() - started, host: options.host ?? 'default' }, 'still waiting for the RELAY connection')
  }, warnEvery)
  let client: SWClient
  try {
    client = await SignalWire(clientOptions)
  } finally {
    clearInterval(warn)
  }
  // SignalWire() resolves even when the credentials were refused; the auth error or status says so.
  if (authFailed !== undefined || client.authStatus === 'unauthorized') {
    // Do not call disconnect() on this client: after an auth error it can crash the process (RELAY.md §3.3).
    throw new SignalWireAuthError(
      `SignalWire rejected the credentials (check SIGNALWIRE_PROJECT and SIGNALWIRE_TOKEN): ${authFailed ?? 'unauthorized'}`,
    )
  }
  booted = true
  // SignalWire() resolves once the first connection is authorized.
  setConnected(true)

  const unsubscribe = await client.messaging.listen({
    topics: [options.context],
    onMessageUpdated: (message) => {
      const reference = message.tags.find((t) => parseSendReference(t) !== undefined)
      options.onReceipt({
        messageId: message.id,
        state: message.state,
        to: message.to,
        reference,
        reason: message.reason,
      })
    },
  })

  const numbers = options.numbers
  let sendsSincePrune = 0
  const afterRequest = (): void => {
    sendsSincePrune += 1
    if (sendsSincePrune >= PRUNE_SDK_TASKS_EVERY) {
      sendsSincePrune = 0
      pruneFinishedSdkTasks(client)
    }
  }
  return {
    name: 'signalwire',
    async send(sms, timeoutMs) {
      if (authFailed !== undefined) throw new SendFailure('transient', 'auth_failed', 'the RELAY client lost its authorization')
      if (!connected) throw new SendFailure('transient', NOT_CONNECTED, 'the RELAY connection is down; nothing was sent')
      const from = sms.from !== undefined && numbers.includes(sms.from) ? sms.from : pickSender(numbers, sms.to)
      try {
        const result: unknown = await withTimeout(
          client.messaging.send({ from, to: sms.to, body: sms.body, context: options.context, tags: [sms.reference] }),
          timeoutMs,
          () => new SendFailure('unknown', 'timeout', `no answer from SignalWire within ${timeoutMs} ms`),
        )
        const messageId = readMessageId(result)
        if (messageId === undefined) throw new SendFailure('unknown', 'no_message_id', 'SignalWire answered without a message id')
        return { messageId, status: 'sending' }
      } catch (reason) {
        const failure = reason instanceof SendFailure ? reason : classifyRejection(reason)
        logger.warn({ to: maskPhone(sms.to), kind: failure.kind, errorCode: failure.code, reference: sms.reference }, 'send failed')
        throw failure
      } finally {
        afterRequest()
      }
    },
    async call(call, progress) {
      if (authFailed !== undefined) throw new SendFailure('transient', 'auth_failed', 'the RELAY client lost its authorization')
      if (!connected) throw new SendFailure('transient', NOT_CONNECTED, 'the RELAY connection is down; no call was placed')
      const from = call.from !== undefined && numbers.includes(call.from) ? call.from : pickSender(numbers, call.to)
      const log = { to: maskPhone(call.to), reference: call.reference }
      try {
        // From here on the dial is the SDK's: whatever goes wrong, this job never dials again (a phone could ring twice).
        const answered = await dialOwnCall(
          client,
          // max_duration: RELAY ends the call itself if this worker can no longer (RELAY.md §7: phone options are snake-cased).
          { to: call.to, from, timeout: CALL_RING_SECONDS, ...{ maxDuration: CALL_MAX_SECONDS } },
          (CALL_RING_SECONDS + 10) * 1000,
        ).catch((error: unknown) => {
          throw dialFailure(error)
        })
        const callId = answered.id ?? answered.tag ?? 'unknown'
        await progress.answered(callId)
        const spoken = await speak(answered, { text: call.text, language: call.language }, CALL_SPEAK_LIMIT_MS)
        await hangUp(answered, CALL_HANGUP_LIMIT_MS)
        if (spoken === 'finished') return { callId }
        throw new SendFailure('permanent', spoken === 'ended' ? 'hung_up' : spoken === 'error' ? 'play_error' : 'play_timeout', `the call ended before the code was spoken to the end (${spoken})`)
      } catch (reason) {
        const failure = reason instanceof SendFailure ? reason : new SendFailure('permanent', 'call_error', String(reason).slice(0, 200))
        logger.warn({ ...log, errorCode: failure.code }, 'call failed')
        throw failure
      } finally {
        afterRequest()
      }
    },
    sdkTasksHeld() {
      const tasks: unknown = (client as unknown as { _client?: { _runningWorkers?: unknown } })._client?._runningWorkers
      return Array.isArray(tasks) ? tasks.length : undefined
    },
    async close() {
      if (authFailed !== undefined) return
      // disconnect() waits for every pending request, and one the server never answered is pending forever:
      // bound it. The process is about to exit anyway; the socket dies with it.
      await settleWithin(
        (async () => {
          await unsubscribe().catch(() => undefined)
          await client.disconnect()
        })(),
        CLOSE_TIMEOUT_MS,
      )
    },
  }
}

const CLOSE_TIMEOUT_MS = 3_000
/** How long a call rings before RELAY gives up (seconds): voicemail usually answers after 20–30 s. */
const CALL_RING_SECONDS = 30
/** The longest a call may last once answered (seconds), ended by RELAY itself. */
const CALL_MAX_SECONDS = 120
/** The code is spoken twice in well under a minute in every language. */
const CALL_SPEAK_LIMIT_MS = 60_000
const CALL_HANGUP_LIMIT_MS = 5_000

/** A dial that did not answer, as the job records it. */
function dialFailure(error: unknown): SendFailure {
  if (!(error instanceof DialFailure)) return new SendFailure('permanent', 'call_error', String(error).slice(0, 200))
  switch (error.reason) {
    case 'busy':
      return new SendFailure('permanent', 'busy', 'the line was busy')
    case 'noAnswer':
    case 'no_answer':
    case 'timeout':
      return new SendFailure('permanent', 'no_answer', 'nobody answered')
    case 'deadline':
      return new SendFailure('permanent', 'dial_timeout', 'RELAY said nothing of the call in time; it was hung up')
    case 'request': {
      // calling.dial itself was refused or lost: whatever the reason, the call is not placed again by this job.
      const cause = classifyRejection(error.cause)
      return new SendFailure('permanent', cause.code, cause.message)
    }
    default:
      return new SendFailure('permanent', 'dial_failed', `the call was not answered (${error.reason.slice(0, 40)})`)
  }
}
const PRUNE_SDK_TASKS_EVERY = 64

/**
 * SDK trap: @signalwire/core 4.3.x keeps every finished send. Each `execute()` (so each `messaging.send`) runs a
 * saga whose task `BaseComponent._attachWorker` pushes onto the client's `_runningWorkers`, and only `destroy()`
 * empties that list. A finished task holds its request, SMS text and code included, and the answer, for the life of
 * the worker: memory that grows with every send, and every code sent still in the heap.
 *
 * This drops the tasks that say they are finished. The SDK only ever cancels the tasks in that list, and cancelling a
 * finished task does nothing, so removing them changes nothing else; running ones (sends in flight, the receipt
 * listener) stay. Anything not shaped as expected is left alone, so a new SDK version makes this a no-op rather than
 * a fault. The worker test "the SDK client does not keep finished sends" and the bench's drain scenario (worker RSS) show it.
 */
export function pruneFinishedSdkTasks(client: SWClient): void {
  const tasks: unknown = (client as unknown as { _client?: { _runningWorkers?: unknown } })._client?._runningWorkers
  if (!Array.isArray(tasks)) return
  let kept = 0
  for (const task of tasks as unknown[]) {
    if (!isFinishedSagaTask(task)) tasks[kept++] = task
  }
  tasks.length = kept
}

function isFinishedSagaTask(task: unknown): boolean {
  if (task === null || typeof task !== 'object') return false
  const isRunning = (task as { isRunning?: unknown }).isRunning
  if (typeof isRunning !== 'function') return false
  try {
    return isRunning.call(task) === false
  } catch {
    return false
  }
}

/**
 * A recipient keeps its sender number while that number stays in the pool (rendezvous hashing): adding or
 * removing another number moves only the recipients that number wins or held.
 */
export function pickSender(numbers: readonly string[], to: string): string {
  let best = ''
  let bestScore = ''
  for (const from of numbers) {
    const score = createHash('sha256').update(`${from}|${to}`).digest('hex')
    if (score > bestScore) {
      best = from
      bestScore = score
    }
  }
  return best
}

function readMessageId(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return undefined
  const id = (result as { messageId?: unknown }).messageId
  return typeof id === 'string' && id.length > 0 ? id : undefined
}

type SdkLogFn = (...args: unknown[]) => void
interface SdkLogger {
  error: SdkLogFn
  warn: SdkLogFn
  info: SdkLogFn
  debug: SdkLogFn
  trace: SdkLogFn
}

/**
 * The SDK logs whole RELAY requests on errors (4.2.1 prints the SMS body on a request timeout). Keep only its
 * leading text, never the objects after it, and only at warn and above.
 */
function redactingSdkLogger(logger: Logger): SdkLogger {
  const sdk = logger.child({ component: 'signalwire-sdk' })
  const text = (args: unknown[]): string => {
    const first = args[0]
    return typeof first === 'string' ? first.slice(0, 120) : 'SDK message'
  }
  return {
    error: (...args) => sdk.warn(text(args)),
    warn: (...args) => sdk.warn(text(args)),
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
  }
}
