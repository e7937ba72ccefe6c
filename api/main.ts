import { serve } from '@hono/node-server'
import { loadConfig, loadDotEnv, ConfigError } from '../shared/config.js'
import { createSendQueue } from '../shared/jobs.js'
import { createDevOutbox } from '../shared/dev-outbox.js'
import { createKeys } from '../shared/keys.js'
import { handleShutdown } from '../shared/lifecycle.js'
import { createLogger } from '../shared/logger.js'
import { createApiMetrics } from '../shared/metrics.js'
import { closeRedis, createRedis } from '../shared/redis.js'
import { createSecrets } from '../shared/secrets.js'
import { createAdminApp } from './admin.js'
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
  const metrics = createApiMetrics()
  const { verifications } = createServices({ config, redis, keys, secrets, queue, logger, metrics, now })
  const outbox = !config.production && config.provider.kind === 'console' ? createDevOutbox({ redis, keys, secrets }) : undefined
  const app = createApp({ config, logger, redis, verifications, metrics, ...(outbox === undefined ? {} : { outbox }) })

  const server = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, (info) => {
    logger.info({ port: info.port, host: config.http.host, provider: config.provider.kind }, 'api listening')
  })

  const password = config.admin.password
  const admin =
    password === undefined
      ? undefined
      : serve({ fetch: createAdminApp({ config, queue, metrics, password }).fetch, port: config.admin.port, hostname: config.admin.host }, (info) => {
          logger.info({ port: info.port, host: config.admin.host }, 'admin listener: /admin/queues and /metrics')
        })
  if (admin === undefined) logger.info('admin listener not started: set ADMIN_PASSWORD to enable /admin/queues and /metrics')
  admin?.on('error', (err: Error) => logger.error({ err: err.message, port: config.admin.port }, 'admin listener could not start'))

  handleShutdown(logger, config.shutdownTimeoutMs, () => [
    { name: 'http server', run: () => closeServer(server) },
    { name: 'admin listener', run: async () => (admin === undefined ? undefined : closeServer(admin)) },
    { name: 'queue', run: () => queue.close() },
    { name: 'redis', run: () => closeRedis(redis) },
  ])
}

/** Stop accepting connections, let in-flight requests finish, drop idle keep-alive sockets. */
function closeServer(server: ReturnType<typeof serve>): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    if ('closeIdleConnections' in server) server.closeIdleConnections()
  })
}

main()
