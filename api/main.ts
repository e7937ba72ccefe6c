import { serve, type ServerType } from '@hono/node-server'
import { boot } from '../shared/boot.js'
import { createDevOutbox } from '../shared/dev-outbox.js'
import { createKeys } from '../shared/keys.js'
import { handleShutdown } from '../shared/lifecycle.js'
import { createApiMetrics } from '../shared/metrics.js'
import { createSecrets } from '../shared/secrets.js'
import { createAdminApp } from './admin.js'
import { createApp } from './app.js'
import { createApiConnections } from './connections.js'
import { createServices } from './services/create-services.js'

/** The API process: builds every dependency once, serves, and closes them in order on SIGTERM. */
function main(): void {
  const { config, logger } = boot('api')
  const now = (): number => Date.now()
  const keys = createKeys(config.redis.keyPrefix)
  const connections = createApiConnections(config, keys, (what, err) => logger.debug({ err: err.message }, what))
  const { redis, queue, callQueue, eventsQueue } = connections
  const secrets = createSecrets(config.secret.key, config.secret.previous)
  const metrics = createApiMetrics()
  const services = createServices({ config, redis, keys, secrets, queue, callQueue, eventsQueue, logger, metrics, now })
  const outbox = !config.runtime.production && config.provider.kind === 'console' ? createDevOutbox({ redis, keys, secrets }) : undefined
  const app = createApp({ config, logger, redis: connections, metrics, ...services, ...(outbox === undefined ? {} : { outbox }) })

  const server = serve({ fetch: app.fetch, port: config.http.port, hostname: config.http.host }, (info) => {
    logger.info({ port: info.port, host: config.http.host, provider: config.provider.kind }, 'api listening')
  })

  const password = config.admin.password
  const admin =
    password === undefined
      ? undefined
      : serve({ fetch: createAdminApp({ config, queues: [queue, callQueue, eventsQueue], metrics, password, fraud: services.fraud }).fetch, port: config.admin.port, hostname: config.admin.host }, (info) => {
          logger.info({ port: info.port, host: config.admin.host }, 'admin listener: /admin/ (overview), /admin/fraud, /admin/queues and /metrics')
        })
  if (admin === undefined) logger.info('admin listener not started: set ADMIN_PASSWORD to enable /admin/queues and /metrics')
  admin?.on('error', (err: Error) => logger.error({ err: err.message, port: config.admin.port }, 'admin listener could not start'))

  handleShutdown(logger, config.runtime.shutdownTimeoutMs, () => [
    { name: 'http server', run: () => closeServer(server) },
    { name: 'admin listener', run: async () => (admin === undefined ? undefined : closeServer(admin)) },
    { name: 'queues and redis', run: () => connections.close() },
  ])
}

/** Stop accepting connections, let in-flight requests finish, drop idle keep-alive sockets. */
function closeServer(server: ServerType): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    if ('closeIdleConnections' in server) server.closeIdleConnections()
  })
}

main()
