import { createRoute, z } from '@hono/zod-openapi'
import { pingWithin } from '../../shared/redis.js'
import { on, type Endpoint } from '../endpoint.js'
import { COMMON, jsonResponse } from '../openapi/responses.js'

const READY_TIMEOUT_MS = 1_000

const health = createRoute({
  ...COMMON,
  tags: ['Health'],
  method: 'get',
  path: '/healthz',
  operationId: 'health',
  summary: 'The process runs',
  responses: { 200: jsonResponse('running', z.object({ status: z.literal('ok') }).openapi('Health')) },
})

const readiness = createRoute({
  ...COMMON,
  tags: ['Health'],
  method: 'get',
  path: '/readyz',
  operationId: 'readiness',
  summary: 'Redis answers',
  responses: {
    200: jsonResponse('ready', z.object({ status: z.literal('ready') }).openapi('Ready')),
    503: jsonResponse('Redis did not answer within a second', z.object({ status: z.literal('unavailable') }).openapi('NotReady')),
  },
})

/** `/healthz`: the process runs. `/readyz`: it can reach Redis, answered within a second either way. */
export const healthEndpoints: Endpoint = {
  routes: [health, readiness],
  surface: 'open',
  mount(app, deps) {
    on(app, health, (c) => c.json({ status: 'ok' }))
    on(app, readiness, async (c) =>
      (await pingWithin(deps.redis, READY_TIMEOUT_MS)) ? c.json({ status: 'ready' }) : c.json({ status: 'unavailable' }, 503),
    )
  },
}
