import { ConfigError, loadConfig, loadDotEnv, type Config } from './config/index.js'
import { createLogger, type Logger } from './logger.js'

/**
 * The first steps of both processes: `.env`, the configuration (a bad one stops the process with exit code 78,
 * EX_CONFIG, and one message naming every bad variable), the logger, and the warnings an operator must see.
 */
export function boot(service: 'api' | 'worker'): { readonly config: Config; readonly logger: Logger } {
  loadDotEnv()
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sms-two-factor-auth ${service}: ${error.message}\n`)
      process.exit(78)
    }
    throw error
  }
  const logger = createLogger(config, service)
  if (config.secret.usingDevSecret) logger.warn('SECRET_KEY is not set: using the built-in development key (never do this in production)')
  return { config, logger }
}
