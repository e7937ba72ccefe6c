import { createRoute } from '@hono/zod-openapi'
import { on, type Endpoint } from '../../endpoint.js'
import { COMMON, errorResponses, jsonResponse, V1_ALWAYS } from '../../openapi/responses.js'
import { verificationIdParams, verificationSchema } from '../../schemas.js'
import { notFound, notPending, V1_OPERATION } from './common.js'

const route = createRoute({
  ...COMMON,
  ...V1_OPERATION,
  method: 'post',
  path: '/v1/verifications/{id}/cancel',
  operationId: 'cancelVerification',
  summary: 'Cancel a pending verification',
  request: { params: verificationIdParams },
  responses: {
    200: jsonResponse('the Verification, now `canceled`', verificationSchema),
    ...errorResponses([...V1_ALWAYS, 'not_found', 'not_pending'], 'v1'),
  },
})

export const cancelVerification: Endpoint = {
  routes: [route],
  surface: 'v1',
  mount(app, { verifications }) {
    on(app, route, async (c) => {
      const outcome = await verifications.cancel(c.req.param('id') ?? '')
      switch (outcome.kind) {
        case 'not_found':
          throw notFound()
        case 'not_pending':
          throw notPending(outcome.verification)
        case 'canceled':
          return c.json(outcome.verification, 200)
      }
    })
  },
}
