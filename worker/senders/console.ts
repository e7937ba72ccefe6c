import type { Logger } from '../../shared/logger.js'
import { maskPhone } from '../../shared/phone.js'
import type { Sender } from './sender.js'
import { randomUUID } from 'node:crypto'

/**
 * Development provider: writes the SMS (or what a call would say) to the log instead of sending it, so the whole flow works on a machine
 * with no provider account. The one place a code may appear in a log line; refused in production by config.
 */
export function createConsoleSender(options: { logger: Logger }): Sender {
  const logger = options.logger.child({ provider: 'console' })
  return {
    name: 'console',
    send(sms) {
      const messageId = `console-${randomUUID()}`
      logger.info({ to: maskPhone(sms.to), messageId, text: sms.body }, 'SMS (console provider, not sent)')
      return Promise.resolve({ messageId, status: 'sent' })
    },
    async call(call, progress) {
      const callId = `console-call-${randomUUID()}`
      logger.info({ to: maskPhone(call.to), callId, language: call.language, text: call.text }, 'call (console provider, not placed)')
      await progress.answered(callId)
      return { callId }
    },
    close: () => Promise.resolve(),
  }
}
