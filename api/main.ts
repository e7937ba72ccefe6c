import { serve } from '@hono/node-server'
import { loadConfig, loadDotEnv, ConfigError } from '../shared/config.js'
import { createSendQueue } from '../shared/jobs.js'
import { createDevOutbox } from '../shared/dev-outbox.js'
import { createKeys } from '../shared/keys.js'
import { handleShutdown } from '../shared/lifecycle.js'
import { createLogger } from '../shared/logger.js'
import { closeRedis, createRedis } from '../shared/redis.js'
import { createSecrets } from '../shared/secrets.js'
import { createApp } from './app.js'
import { createServices } from './services/create-services.js'

/** The API process: builds every dependency once, serves, and closes them in order on SIGTERM. */
function main(): void {
  loadDotEnv()
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sms-two-factor-auth api: ${error.message}\n`)
      process.exit(78)
    }
    throw error
  }
  const logger = createLogger(config, 'api')
  if (config.secret.usingDevSecret) logger.warn('SECRET_KEY is not set: using the built-in development key (never do this in production)')

  const now = (): number => Date.now()
  const keys = createKeys(config.redis.keyPrefix)
  const redis = createRedis(config, 'fast')
  redis.on('error', (err: Error) => logger.debug({ err: err.message }, 'redis connection error'))
  const queue = createSendQueue(redis, keys, config)
  queue.on('error', (err) => logger.debug({ err: err.message }, 'queue error'))
  const secrets = createSecrets(config.secret.key)
  const { verifications } = createServices({ config, redis, keys, secrets, queue, logger, now })
  const outbox = !config.production && config.provider.kind === 'console' ? createDevOutbox({ redis, keys, secrets }) : undefined
  const app = createApp({ config, logger, redis, verifications, ...(outbox === undefined ? {} : { outbox }) })

  const server = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, (info) => {
    logger.info({ port: info.port, host: config.http.host, provider: config.provider.kind }, 'api listening')
  })

  handleShutdown(logger, config.shutdownTimeoutMs, () => [
    {
      name: 'http server',
      run: () =>
        new Promise<void>((resolve) => {
          // Stop accepting connections, let in-flight requests finish, drop idle keep-alive sockets.
          server.close(() => resolve())
          if ('closeIdleConnections' in server) server.closeIdleConnections()
        }),
    },
    { name: 'queue', run: () => queue.close() },
    { name: 'redis', run: () => closeRedis(redis) },
  ])
}

main()
