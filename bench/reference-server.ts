// The reference path: the least a create or a check can do on this stack, to measure the service against.
// Hono on @hono/node-server parsing the body; for a create one Lua script and one BullMQ `add`; for a check one Lua
// script. Same routes, bodies and statuses as the API, so the load generator drives both alike; the same ioredis
// options as the API's request connection (shared/redis.ts), so the comparison is of the work, not the wiring.
// Prints one JSON line once listening.
import { serve } from '@hono/node-server'
import { Queue } from 'bullmq'
import { Hono } from 'hono'
import { Redis } from 'ioredis'
import { randomInt } from 'node:crypto'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, redis: { type: 'string', default: 'redis://127.0.0.1:6379' }, prefix: { type: 'string', default: 'bench-ref' } },
  strict: true,
})
const prefix = values.prefix
const redis = new Redis(values.redis, { enableAutoPipelining: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
const queueConnection = new Redis(values.redis, { maxRetriesPerRequest: null })
const queue = new Queue('ref', { connection: queueConnection, prefix: `{${prefix}}` })

// One key per number, written and read by one script each.
redis.defineCommand('refCreate', {
  numberOfKeys: 1,
  lua: "redis.call('HSET', KEYS[1], 'c', ARGV[1], 't', ARGV[2]) redis.call('PEXPIRE', KEYS[1], 600000) return 1",
})
redis.defineCommand('refCheck', {
  numberOfKeys: 1,
  lua: "local c = redis.call('HGET', KEYS[1], 'c') if c and c == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end return 0",
})
type RefRedis = Redis & {
  refCreate(key: string, code: string, at: number): Promise<number>
  refCheck(key: string, code: string): Promise<number>
}
const commands = redis as RefRedis
const keyOf = (to: string): string => `${prefix}:ref:{${to.slice(-4)}}:${to}`

async function create(to: unknown): Promise<Response | undefined> {
  if (typeof to !== 'string' || to.length < 8) return undefined
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0')
  await commands.refCreate(keyOf(to), code, Date.now())
  await queue.add('send', { to: to.slice(-4) })
  return undefined
}

const app = new Hono()
app.post('/v1/verifications', async (c) => {
  const body = await c.req.json<{ to?: unknown }>()
  await create(body.to)
  return c.json({ to: body.to, status: 'pending', createdAt: new Date().toISOString() }, 201)
})
app.post('/request-auth', async (c) => {
  const fields = new URLSearchParams(await c.req.text())
  await create(fields.get('number'))
  return c.text('Your code was sent', 200)
})
app.post('/v1/verifications/check', async (c) => {
  const body = await c.req.json<{ to?: string; code?: string }>()
  const valid = (await commands.refCheck(keyOf(body.to ?? ''), body.code ?? '')) === 1
  return c.json({ to: body.to, status: valid ? 'approved' : 'pending', valid }, 200)
})

const server = serve({ fetch: app.fetch, port: Number(values.port), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`)
})

const stop = (): void => {
  server.close(() => {
    void queue.close().finally(() => {
      redis.disconnect()
      queueConnection.disconnect()
      process.exit(0)
    })
  })
  if ('closeAllConnections' in server) server.closeAllConnections()
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
