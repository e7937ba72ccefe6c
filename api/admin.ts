import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { HonoAdapter } from '@bull-board/hono'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Queue } from 'bullmq'
import { readFileSync } from 'node:fs'
import { Hono, type Context, type Next } from 'hono'
import { adminAuth } from '../shared/basic-auth.js'
import type { Config } from '../shared/config/index.js'
import type { ApiMetrics } from '../shared/metrics.js'
import { ApiError } from './errors.js'
import type { FraudGuard } from './fraud/guard.js'
import { refuseCrossSite } from './middleware/cross-site.js'
import { renderFraudPage } from './pages/fraud-page.js'

export interface AdminDeps {
  readonly config: Pick<Config, 'admin'>
  /** the SMS queue, the call queue and the webhook events */
  readonly queues: readonly Queue[]
  readonly metrics: ApiMetrics
  readonly fraud: Pick<FraudGuard, 'overview' | 'lift'>
}

/** The overview page's policy: its stylesheet and nothing else; forms post only here. */
const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
const PREFIX = /^\+\d{1,12}$/

/**
 * The API's admin listener, on its own port (ADMIN_PORT, bound to ADMIN_HOST) and behind basic auth: the overview
 * page at /admin/ (the fraud guard's view: conversion by country and prefix, sends over time, blocks to lift), the
 * guard's data at /admin/fraud, the Bull Board queue dashboard at /admin/queues (read-only unless
 * ADMIN_READ_ONLY=false) and Prometheus /metrics, including BullMQ's own queue-depth export. Job data holds a
 * verification id and a send attempt: no code and no phone number reach the dashboard. Browsers send basic-auth
 * credentials to any page's requests, so whatever changes something refuses cross-site requests.
 */
/**
 * The dashboard can change jobs (ADMIN_READ_ONLY=false): no other page may frame it (clickjacking), and its answers
 * are never cached or sniffed. Its own scripts need no stricter policy here; the pages it serves set their own.
 */
async function adminFrameGuard(c: Context, next: Next): Promise<void> {
  await next()
  c.header('X-Frame-Options', 'DENY')
  // A page with a policy of its own (the overview) keeps it: it forbids framing too.
  if (c.res.headers.get('Content-Security-Policy') === null) c.header('Content-Security-Policy', "frame-ancestors 'none'")
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Referrer-Policy', 'no-referrer')
  c.header('Cache-Control', 'no-store')
}

export function createAdminApp(deps: AdminDeps & { readonly password: string }): Hono {
  const { config, queues, metrics, fraud } = deps
  const app = new Hono()
  app.use(adminFrameGuard)
  app.use(adminAuth(config.admin, deps.password, 'sms-two-factor-auth admin'))
  // On every route that changes something.
  const sameSite = refuseCrossSite({ allowedOrigins: [] })
  app.onError((error, c) => {
    if (error instanceof ApiError) return c.text(error.message, error.status)
    throw error
  })

  const styles = readFileSync(new URL('./pages/admin.css', import.meta.url), 'utf8')
  app.get('/admin/assets/admin.css', (c) => c.body(styles, 200, { 'Content-Type': 'text/css; charset=utf-8' }))
  app.get('/admin/', async (c) => {
    c.header('Content-Security-Policy', PAGE_CSP)
    return c.html(renderFraudPage(await fraud.overview(), new Date()))
  })
  app.get('/admin', (c) => c.redirect('/admin/'))
  app.get('/admin/fraud', async (c) => c.json(await fraud.overview()))
  app.delete('/admin/fraud/blocks/:prefix', sameSite, async (c) => {
    const prefix = c.req.param('prefix')
    if (!PREFIX.test(prefix)) return c.text('a prefix is + and digits, e.g. %2B447911', 400)
    return (await fraud.lift(prefix)) ? c.body(null, 204) : c.text('no block for that prefix', 404)
  })
  // The page's "Lift" button: a form cannot send DELETE.
  app.post('/admin/fraud/blocks/:prefix/lift', sameSite, async (c) => {
    const prefix = c.req.param('prefix')
    if (!PREFIX.test(prefix)) return c.text('a prefix is + and digits', 400)
    await fraud.lift(prefix)
    return c.redirect('/admin/', 303)
  })

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
  app.get('/', (c) => c.redirect('/admin/'))
  return app
}
