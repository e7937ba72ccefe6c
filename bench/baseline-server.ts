// The ratio's denominator: a hello-world Hono app on @hono/node-server doing the same form parsing as the API
// (`new URLSearchParams(await c.req.text())`) and answering text. Prints one JSON line once listening.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } }, strict: true })

const app = new Hono()
app.post('/request-auth', async (c) => {
  const fields = new URLSearchParams(await c.req.text())
  return fields.has('number') ? c.text('Your code was sent', 200) : c.text('Invalid Phone Number', 400)
})

const server = serve({ fetch: app.fetch, port: Number(values.port), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`)
})

const stop = (): void => {
  server.close(() => process.exit(0))
  if ('closeAllConnections' in server) server.closeAllConnections()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
