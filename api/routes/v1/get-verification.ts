import { createRoute } from '@hono/zod-openapi'
import { on, type Endpoint } from '../../endpoint.js'
import { COMMON, errorResponses, jsonResponse, V1_ALWAYS } from '../../openapi/responses.js'
import { verificationIdParams, verificationSchema } from '../../schemas.js'
import { notFound, V1_OPERATION } from './common.js'

const route = createRoute({
  ...COMMON,
  ...V1_OPERATION,
  method: 'get',
  path: '/v1/verifications/{id}',
  operationId: 'getVerification',
  summary: 'Read a verification',
  description: 'Ended verifications (approved, canceled, expired, max_attempts_reached) stay readable for 24 hours.',
  request: { params: verificationIdParams },
  responses: { 200: jsonResponse('the Verification', verificationSchema), ...errorResponses([...V1_ALWAYS, 'not_found'], 'v1') },
})

export const getVerification: Endpoint = {
  routes: [route],
  surface: 'v1',
  mount(app, { verifications }) {
    on(app, route, async (c) => {
      const stored = await verifications.get(c.req.param('id') ?? '')
      if (stored === undefined) throw notFound()
      return c.json(stored.resource, 200)
    })
  },
}
