import { createRoute } from '@hono/zod-openapi'
import { readFileSync } from 'node:fs'
import { on, type Endpoint } from '../endpoint.js'
import { COMMON, plainText, REQUEST_ID } from '../openapi/responses.js'
import { renderDemoPage, renderOutboxEntries } from '../pages/demo-page.js'

const page = createRoute({
  ...COMMON,
  tags: ['Form routes'],
  method: 'get',
  path: '/',
  operationId: 'demoPage',
  summary: 'The demo page',
  description: 'The two forms of the original guide, posting to `/request-auth` and `/validate-auth`; they work without JavaScript.',
  responses: { 200: { description: 'HTML', headers: REQUEST_ID, content: { 'text/html': { schema: plainText } } } },
})

const asset = (name: string): string => readFileSync(new URL(`../pages/${name}`, import.meta.url), 'utf8')

/**
 * `GET /`, the demo page, with its script and styles (files, not inline: the CSP forbids inline ones). In
 * development with the console provider also `GET /dev/outbox`: the last SMS "sent", as JSON, or with
 * `Accept: text/html` as the page's own outbox entries, which the page's script puts in place as they are.
 */
export const demoPage: Endpoint = {
  routes: [page],
  surface: 'public',
  mount(app, { outbox }) {
    const script = asset('demo.js')
    const styles = asset('demo.css')
    on(app, page, async (c) => c.html(renderDemoPage(outbox === undefined ? {} : { outbox: await outbox.list().catch(() => []) })))
    app.get('/assets/demo.js', (c) => c.body(script, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }))
    app.get('/assets/demo.css', (c) => c.body(styles, 200, { 'Content-Type': 'text/css; charset=utf-8' }))
    if (outbox !== undefined) {
      app.get('/dev/outbox', async (c) => {
        const entries = await outbox.list()
        return (c.req.header('accept') ?? '').includes('text/html') ? c.html(renderOutboxEntries(entries)) : c.json(entries)
      })
    }
  },
}
