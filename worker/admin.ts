import type { Worker } from 'bullmq'
import { Hono } from 'hono'
import { adminAuth } from '../shared/basic-auth.js'
import type { Config } from '../shared/config/index.js'
import type { WorkerMetrics } from '../shared/metrics.js'
import { pingWithin, type Pingable } from '../shared/redis.js'

const PING_TIMEOUT_MS = 1_000

/**
 * The worker's small listener (WORKER_ADMIN_PORT): `/healthz` says whether the worker is running (or paused while
 * the provider reconnects) and can reach Redis (for container healthchecks, no auth), `/metrics` serves Prometheus
 * text (basic auth when ADMIN_PASSWORD is set, as on the API's admin listener).
 */
export function createWorkerAdminApp(deps: {
  readonly config: Pick<Config, 'admin'>
  /** undefined while the worker is still booting (waiting for the provider) */
  readonly worker: () => Worker | undefined
  /** false while the provider connection is down: the worker is paused on purpose then, and still healthy */
  readonly providerConnected: () => boolean
  readonly redis: Pingable
  readonly metrics: WorkerMetrics
}): Hono {
  const app = new Hono()

  app.get('/healthz', async (c) => {
    const worker = deps.worker()
    const connected = deps.providerConnected()
    // Paused while the provider is away is healthy: a restart would not bring the provider back.
    const running = worker !== undefined && (worker.isRunning() || (!connected && worker.isPaused()))
    const redis = await pingWithin(deps.redis, PING_TIMEOUT_MS)
    const ok = running && redis
    return c.json(
      { status: ok ? 'ok' : 'unhealthy', running, provider: connected ? 'connected' : 'reconnecting', redis: redis ? 'ok' : 'unreachable' },
      ok ? 200 : 503,
    )
  })

  const password = deps.config.admin.password
  if (password !== undefined) {
    app.use('/metrics', adminAuth(deps.config.admin, password, 'sms-two-factor-auth worker'))
  }
  app.get('/metrics', async (c) => c.text(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType }))
  return app
}
