import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppDeps, AppEnv } from '../../deps.js'
import { on, type Endpoint } from '../../endpoint.js'
import { COMMON, formBody, jsonResponse, twilioErrorResponses, V2_ALWAYS } from '../../openapi/responses.js'
import { bucketResource, rateLimitResource } from '../../v2/resources.js'
import type { Bucket, RateLimit } from '../../v2/rate-limit-store.js'
import { baseUrl, intParam, invalidParameter, listEnvelope, notFoundError, pageParams, twilioParams } from '../../v2/wire.js'
import { capReached, listOf, ownService, resource, serviceSidParam, V2_CAPS, V2_OPERATION } from './common.js'

const base = { ...COMMON, ...V2_OPERATION }
const limitParams = serviceSidParam.extend({ RateLimitSid: z.string().openapi({ param: { name: 'RateLimitSid', in: 'path' }, example: 'RK0123456789abcdef0123456789abcdef' }) })
const bucketParams = limitParams.extend({ Sid: z.string().openapi({ param: { name: 'Sid', in: 'path' }, example: 'BL0123456789abcdef0123456789abcdef' }) })
const limitFields = z.object({ UniqueName: z.string().max(191), Description: z.string().max(255).optional() }).openapi('RateLimitParameters')
const bucketFields = z.object({ Max: z.string().openapi({ example: '5' }), Interval: z.string().openapi({ example: '60', description: 'seconds' }) }).openapi('BucketParameters')
const rateLimit = resource('TwilioRateLimit')
const bucket = resource('TwilioBucket')

function route(method: 'get' | 'post' | 'delete', path: string, operationId: string, summary: string, extra: Record<string, unknown>, ok: Record<number, unknown>) {
  return createRoute({ ...base, method, path, operationId, summary, ...extra, responses: { ...(ok as object), ...twilioErrorResponses([...V2_ALWAYS, 60200, ...(method === 'post' ? ([20403] as const) : [])]) } })
}

const limitsPath = '/v2/Services/{ServiceSid}/RateLimits'
const limitPath = `${limitsPath}/{RateLimitSid}`
const bucketsPath = `${limitPath}/Buckets`
const bucketPath = `${bucketsPath}/{Sid}`

const routes = {
  createLimit: route('post', limitsPath, 'v2CreateRateLimit', 'Create a rate limit (a key the application meters)', { request: { params: serviceSidParam, body: formBody(limitFields) } }, { 201: jsonResponse('the Rate Limit', rateLimit) }),
  listLimits: route('get', limitsPath, 'v2ListRateLimits', "List a service's rate limits", { request: { params: serviceSidParam } }, { 200: jsonResponse('one page', listOf('TwilioRateLimitPage')) }),
  fetchLimit: route('get', limitPath, 'v2FetchRateLimit', 'Fetch a rate limit', { request: { params: limitParams } }, { 200: jsonResponse('the Rate Limit', rateLimit) }),
  updateLimit: route('post', limitPath, 'v2UpdateRateLimit', 'Update a rate limit', { request: { params: limitParams, body: formBody(limitFields.partial()) } }, { 200: jsonResponse('the Rate Limit', rateLimit) }),
  deleteLimit: route('delete', limitPath, 'v2DeleteRateLimit', 'Delete a rate limit and its buckets', { request: { params: limitParams } }, { 204: { description: 'deleted' } }),
  createBucket: route('post', bucketsPath, 'v2CreateBucket', 'Create a bucket: at most Max per Interval seconds', { request: { params: limitParams, body: formBody(bucketFields) } }, { 201: jsonResponse('the Bucket', bucket) }),
  listBuckets: route('get', bucketsPath, 'v2ListBuckets', "List a rate limit's buckets", { request: { params: limitParams } }, { 200: jsonResponse('one page', listOf('TwilioBucketPage')) }),
  fetchBucket: route('get', bucketPath, 'v2FetchBucket', 'Fetch a bucket', { request: { params: bucketParams } }, { 200: jsonResponse('the Bucket', bucket) }),
  updateBucket: route('post', bucketPath, 'v2UpdateBucket', 'Update a bucket', { request: { params: bucketParams, body: formBody(bucketFields.partial()) } }, { 200: jsonResponse('the Bucket', bucket) }),
  deleteBucket: route('delete', bucketPath, 'v2DeleteBucket', 'Delete a bucket', { request: { params: bucketParams } }, { 204: { description: 'deleted' } }),
}

/** Twilio Verify v2 Rate Limits and Buckets, enforced on create through its RateLimits parameter. */
export const v2RateLimits: Endpoint = {
  routes: Object.values(routes),
  surface: 'v2',
  mount(app, deps: AppDeps) {
    const store = deps.rateLimits
    async function limitOf(c: Context<AppEnv>): Promise<RateLimit> {
      const service = await ownService(c, deps)
      const limit = await store.get(service.id, c.req.param('RateLimitSid') ?? '')
      if (limit === undefined) throw notFoundError(c)
      return limit
    }
    async function bucketOf(c: Context<AppEnv>): Promise<Bucket> {
      const b = await store.getBucket(await limitOf(c), c.req.param('Sid') ?? '')
      if (b === undefined) throw notFoundError(c)
      return b
    }
    function page<T>(c: Context<AppEnv>, path: string, key: string, all: readonly T[]) {
      const { page: index, pageSize } = pageParams(c)
      return listEnvelope(c, baseUrl(c, deps.config), path, key, { items: all.slice(index * pageSize, (index + 1) * pageSize), total: all.length, page: index, pageSize })
    }
    const bucketValues = async (c: Context<AppEnv>, required: boolean) => {
      const p = await twilioParams(c)
      const max = intParam(p, 'Max', 1, 1_000_000)
      const interval = intParam(p, 'Interval', 1, 86_400)
      if (required && (max === undefined || interval === undefined)) throw invalidParameter(max === undefined ? 'Max' : 'Interval')
      return { ...(max === undefined ? {} : { max }), ...(interval === undefined ? {} : { interval }) }
    }

    on(app, routes.createLimit, async (c) => {
      const service = await ownService(c, deps)
      const p = await twilioParams(c)
      if (p.UniqueName === undefined || p.UniqueName.length > 191) throw invalidParameter('UniqueName')
      if ((await store.list(service.id)).length >= V2_CAPS.rateLimitsPerService) throw capReached('rate limits in a service', V2_CAPS.rateLimitsPerService)
      const limit = await store.create(service.id, c.get('account'), p.UniqueName, p.Description?.slice(0, 255))
      if (limit === undefined) throw invalidParameter('UniqueName')
      return c.json(rateLimitResource(limit, baseUrl(c, deps.config)), 201)
    })
    on(app, routes.listLimits, async (c) => {
      const service = await ownService(c, deps)
      const base = baseUrl(c, deps.config)
      const all = (await store.list(service.id)).map((l) => rateLimitResource(l, base))
      return c.json(page(c, `/v2/Services/${service.id}/RateLimits`, 'rate_limits', all), 200)
    })
    on(app, routes.fetchLimit, async (c) => c.json(rateLimitResource(await limitOf(c), baseUrl(c, deps.config)), 200))
    on(app, routes.updateLimit, async (c) => {
      const limit = await limitOf(c)
      const p = await twilioParams(c)
      return c.json(rateLimitResource(await store.update(limit, p.Description?.slice(0, 255)), baseUrl(c, deps.config)), 200)
    })
    on(app, routes.deleteLimit, async (c) => {
      await store.delete(await limitOf(c))
      return c.body(null, 204)
    })
    on(app, routes.createBucket, async (c) => {
      const limit = await limitOf(c)
      const { max = 1, interval = 1 } = await bucketValues(c, true)
      if ((await store.buckets(limit.sid)).length >= V2_CAPS.bucketsPerRateLimit) throw capReached('buckets in a rate limit', V2_CAPS.bucketsPerRateLimit)
      return c.json(bucketResource(await store.createBucket(limit, max, interval), baseUrl(c, deps.config)), 201)
    })
    on(app, routes.listBuckets, async (c) => {
      const limit = await limitOf(c)
      const base = baseUrl(c, deps.config)
      const all = (await store.buckets(limit.sid)).map((b) => bucketResource(b, base))
      return c.json(page(c, `/v2/Services/${limit.serviceSid}/RateLimits/${limit.sid}/Buckets`, 'buckets', all), 200)
    })
    on(app, routes.fetchBucket, async (c) => c.json(bucketResource(await bucketOf(c), baseUrl(c, deps.config)), 200))
    on(app, routes.updateBucket, async (c) => {
      const b = await bucketOf(c)
      return c.json(bucketResource(await store.updateBucket(b, await bucketValues(c, false)), baseUrl(c, deps.config)), 200)
    })
    on(app, routes.deleteBucket, async (c) => {
      await store.deleteBucket(await bucketOf(c))
      return c.body(null, 204)
    })
  },
}
