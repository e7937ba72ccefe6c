import type { DevOutbox } from '../../shared/dev-outbox.js'
import type { Logger } from '../../shared/logger.js'
import { maskPhone } from '../../shared/phone.js'
import type { Sender } from './sender.js'

/** Development: every SMS the (console) sender accepts, and every call it would place, also goes to the demo page's outbox. */
export function withDevOutbox(sender: Sender, outbox: DevOutbox, logger: Logger): Sender {
  return {
    name: sender.name,
    async send(sms, timeoutMs) {
      const accepted = await sender.send(sms, timeoutMs)
      await outbox.push({ to: maskPhone(sms.to), body: sms.body, sentAt: new Date().toISOString() }).catch((err: unknown) => {
        logger.warn({ err }, 'could not write the development outbox')
      })
      return accepted
    },
    async call(call, progress) {
      const placed = await sender.call(call, progress)
      await outbox.push({ to: maskPhone(call.to), body: `Call: ${call.text}`, sentAt: new Date().toISOString() }).catch((err: unknown) => {
        logger.warn({ err }, 'could not write the development outbox')
      })
      return placed
    },
    close: () => sender.close(),
  }
}
