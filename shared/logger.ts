import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import type { Config } from './config/index.js'

export type { Logger } from 'pino'

/**
 * JSON logs (pino). Call sites never pass codes, tokens or full numbers; the redaction list is a second guard for
 * field names that could carry them by mistake.
 */
export function createLogger(config: Pick<Config, 'runtime'>, service: 'api' | 'worker', destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.runtime.logLevel,
    base: { service },
    // Not `*.code`: that would blank `err.code` (ECONNREFUSED, ETIMEDOUT…) in every error line, which an operator needs.
    redact: {
      paths: ['code', 'auth_code', 'token', 'authorization', '*.auth_code', '*.token', '*.authorization', '*.body', 'req.body'],
      censor: '[redacted]',
    },
  }
  if (destination !== undefined) return pino(options, destination)
  // Pretty output only for a person at a terminal in development; pino-pretty is a dev dependency.
  if (!config.runtime.production && process.stdout.isTTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', messageFormat: '{service}: {msg}' } } })
  }
  return pino(options)
}
