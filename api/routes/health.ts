import { Hono } from 'hono'
import type { AppDeps, AppEnv } from '../env.js'

const READY_TIMEOUT_MS = 1_000

/** `/healthz`: the process runs. `/readyz`: it can reach Redis, answered within a second either way. */
export function healthRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    let timer: NodeJS.Timeout | undefined
    const ready = await Promise.race([
      deps.redis.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS)
      }),
    ])
    clearTimeout(timer)
    return ready ? c.json({ status: 'ready' }) : c.json({ status: 'unavailable' }, 503)
  })
  return app
}
