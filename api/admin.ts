import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { HonoAdapter } from '@bull-board/hono'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Queue } from 'bullmq'
import { Hono, type Context, type Next } from 'hono'
import { adminAuth } from '../shared/basic-auth.js'
import type { Config } from '../shared/config/index.js'
import type { SendJob } from '../shared/jobs.js'
import type { ApiMetrics } from '../shared/metrics.js'

export interface AdminDeps {
  readonly config: Pick<Config, 'admin'>
  /** the SMS queue and the call queue */
  readonly queues: readonly Queue<SendJob>[]
  readonly metrics: ApiMetrics
}

/**
 * The API's admin listener, on its own port (ADMIN_PORT, bound to ADMIN_HOST) and behind basic auth:
 * the Bull Board queue dashboard at /admin/queues (read-only unless ADMIN_READ_ONLY=false) and Prometheus
 * /metrics, including BullMQ's own queue-depth export. Job data holds a verification id and a send attempt:
 * no code and no phone number reach the dashboard.
 */
/**
 * The dashboard can change jobs (ADMIN_READ_ONLY=false): no other page may frame it (clickjacking), and its answers
 * are never cached or sniffed. Its own scripts need no stricter policy here; the pages it serves set their own.
 */
async function adminFrameGuard(c: Context, next: Next): Promise<void> {
  await next()
  c.header('X-Frame-Options', 'DENY')
  c.header('Content-Security-Policy', "frame-ancestors 'none'")
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Referrer-Policy', 'no-referrer')
  c.header('Cache-Control', 'no-store')
}

export function createAdminApp(deps: AdminDeps & { readonly password: string }): Hono {
  const { config, queues, metrics } = deps
  const app = new Hono()
  app.use(adminFrameGuard)
  app.use(adminAuth(config.admin, deps.password, 'sms-two-factor-auth admin'))

  app.get('/metrics', async (c) => {
    const [own, ...depths] = await Promise.all([
      metrics.registry.metrics(),
      ...queues.map((q) => q.exportPrometheusMetrics().catch(() => `# ${q.name} queue metrics unavailable: Redis did not answer\n`)),
    ])
    return c.text(`${own}\n${depths.join('\n')}\n`, 200, { 'Content-Type': metrics.registry.contentType })
  })

  const board = new HonoAdapter(serveStatic)
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: config.admin.readOnly })), serverAdapter: board })
  board.setBasePath('/admin/queues')
  app.route('/admin/queues', board.registerPlugin())
  app.get('/', (c) => c.redirect('/admin/queues'))
  return app
}
