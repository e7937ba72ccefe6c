import { ConfigError, describeSource, loadConfig, loadDotEnv, type Config } from './config/index.js'
import { relayIsSafe } from './config/schema.js'
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
  // Which settings reached the process, secrets shown only as set: an operator's first question about a deployment.
  logger.info({ settings: describeSource(process.env) }, 'settings')
  for (const warning of bootWarnings(config, service)) logger.warn(warning)
  return { config, logger }
}

/** What an operator must hear at start: settings that work, but not safely. */
export function bootWarnings(config: Config, service: 'api' | 'worker'): string[] {
  const warnings: string[] = []
  if (config.secret.usingDevSecret) warnings.push('SECRET_KEY is not set: using the built-in development key (never do this in production)')
  const provider = config.provider
  if (provider.kind === 'signalwire' && provider.host !== undefined && !relayIsSafe(provider.host)) {
    warnings.push('SIGNALWIRE_HOST is ws:// to another machine: the SignalWire token crosses the network in clear (refused in production)')
  }
  if (service === 'api' && config.runtime.production && config.http.publicRoutes && config.phone.allowedCountries.length === 0 && config.limits.globalSendsPerHour === 0) {
    warnings.push(
      'the public form routes are on with no ALLOWED_COUNTRIES and no GLOBAL_SENDS_PER_HOUR: anyone can make the service text any country, billed to you (README "Before going public")',
    )
  }
  if (service === 'api' && config.fraud.testNumbers.length > 0) {
    warnings.push(`TEST_NUMBERS: ${config.fraud.testNumbers.length} number(s) get a fixed code and no SMS; keep them to numbers nobody owns`)
  }
  if (service === 'api' && config.runtime.production && config.fraud.mode !== 'enforce') {
    warnings.push(`FRAUD_GUARD=${config.fraud.mode}: SMS pumping is ${config.fraud.mode === 'off' ? 'not watched' : 'watched but never refused'}`)
  }
  return warnings
}
