import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { ServiceFields } from '../../../shared/service-store.js'
import type { AppDeps, AppEnv } from '../../deps.js'
import { on, type Endpoint } from '../../endpoint.js'
import { COMMON, formBody, jsonResponse, twilioErrorResponses, V2_ALWAYS } from '../../openapi/responses.js'
import { serviceResource } from '../../v2/resources.js'
import { baseUrl, boolParam, intParam, invalidParameter, listEnvelope, pageParams, twilioParams } from '../../v2/wire.js'
import { capReached, listOf, ownService, resource, serviceSidParam, V2_CAPS, V2_OPERATION } from './common.js'

const serviceFields = z
  .object({
    FriendlyName: z.string().max(30).openapi({ example: 'Acme', description: 'said in the messages; required on create; at most 30 characters' }),
    CodeLength: z.string().optional().openapi({ example: '6', description: '4 to 10' }),
    LookupEnabled: z.string().optional().openapi({ example: 'false' }),
    SkipSmsToLandlines: z.string().optional(),
    DoNotShareWarningEnabled: z.string().optional(),
    CustomCodeEnabled: z.string().optional(),
    DtmfInputRequired: z.string().optional(),
    TtsName: z.string().optional(),
    Psd2Enabled: z.string().optional(),
    DefaultTemplateSid: z.string().optional(),
  })
  .openapi('ServiceParameters')

const base = { ...COMMON, ...V2_OPERATION }
const create = createRoute({
  ...base,
  method: 'post',
  path: '/v2/Services',
  operationId: 'v2CreateService',
  summary: 'Create a service',
  request: { body: formBody(serviceFields) },
  responses: { 201: jsonResponse('the new Service', resource('TwilioService')), ...twilioErrorResponses([...V2_ALWAYS, 60200, 20403]) },
})
const list = createRoute({
  ...base,
  method: 'get',
  path: '/v2/Services',
  operationId: 'v2ListServices',
  summary: "List the account's services",
  request: { query: z.object({ PageSize: z.string().optional(), Page: z.string().optional(), PageToken: z.string().optional() }) },
  responses: { 200: jsonResponse('one page; meta.next_page_url is null on the last', listOf('TwilioServicePage')), ...twilioErrorResponses([...V2_ALWAYS, 60200]) },
})
const fetchOne = createRoute({
  ...base,
  method: 'get',
  path: '/v2/Services/{ServiceSid}',
  operationId: 'v2FetchService',
  summary: 'Fetch a service',
  request: { params: serviceSidParam },
  responses: { 200: jsonResponse('the Service', resource('TwilioService')), ...twilioErrorResponses(V2_ALWAYS) },
})
const update = createRoute({
  ...base,
  method: 'post',
  path: '/v2/Services/{ServiceSid}',
  operationId: 'v2UpdateService',
  summary: 'Update a service',
  request: { params: serviceSidParam, body: formBody(serviceFields.partial()) },
  responses: { 200: jsonResponse('the Service', resource('TwilioService')), ...twilioErrorResponses([...V2_ALWAYS, 60200]) },
})
const remove = createRoute({
  ...base,
  method: 'delete',
  path: '/v2/Services/{ServiceSid}',
  operationId: 'v2DeleteService',
  summary: 'Delete a service (its pending verifications are gone with it)',
  request: { params: serviceSidParam },
  responses: { 204: { description: 'deleted' }, ...twilioErrorResponses(V2_ALWAYS) },
})

/** The Service parameters of a create or an update. */
async function fieldsOf(c: Context<AppEnv>, required: boolean): Promise<ServiceFields> {
  const p = await twilioParams(c)
  const name = p.FriendlyName
  if (name === undefined ? required : name.length > 30 || name.trim().length === 0) throw invalidParameter('FriendlyName')
  const codeLength = intParam(p, 'CodeLength', 4, 10)
  const flags = {
    lookupEnabled: boolParam(p, 'LookupEnabled'),
    skipSmsToLandlines: boolParam(p, 'SkipSmsToLandlines'),
    doNotShareWarning: boolParam(p, 'DoNotShareWarningEnabled'),
    customCodeEnabled: boolParam(p, 'CustomCodeEnabled'),
    dtmfInputRequired: boolParam(p, 'DtmfInputRequired'),
    psd2Enabled: boolParam(p, 'Psd2Enabled'),
  }
  const fields: Record<string, unknown> = {}
  if (name !== undefined) fields.friendlyName = name
  if (codeLength !== undefined) fields.codeLength = codeLength
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) fields[key] = value
  if (p.TtsName !== undefined) fields.ttsName = p.TtsName.slice(0, 64)
  if (p.DefaultTemplateSid !== undefined) fields.defaultTemplateSid = p.DefaultTemplateSid.slice(0, 64)
  return fields
}

/** Twilio Verify v2 Services: each a namespace of its own, seen only by the account that made it. */
export const v2Services: Endpoint = {
  routes: [create, list, fetchOne, update, remove],
  surface: 'v2',
  mount(app, deps: AppDeps) {
    on(app, create, async (c) => {
      const fields = await fieldsOf(c, true)
      if ((await deps.serviceStore.count(c.get('account'))) >= V2_CAPS.servicesPerAccount) throw capReached('services in an account', V2_CAPS.servicesPerAccount)
      const service = await deps.serviceStore.create(c.get('account'), { friendlyName: fields.friendlyName ?? '', ...fields })
      return c.json(serviceResource(service, baseUrl(c, deps.config)), 201)
    })
    on(app, list, async (c) => {
      const { page, pageSize } = pageParams(c)
      const { services, total } = await deps.serviceStore.list(c.get('account'), page * pageSize, pageSize)
      const base = baseUrl(c, deps.config)
      return c.json(listEnvelope(c, base, '/v2/Services', 'services', { items: services.map((s) => serviceResource(s, base)), total, page, pageSize }), 200)
    })
    on(app, fetchOne, async (c) => c.json(serviceResource(await ownService(c, deps), baseUrl(c, deps.config)), 200))
    on(app, update, async (c) => {
      const service = await ownService(c, deps)
      const updated = await deps.serviceStore.update(service.id, await fieldsOf(c, false))
      return c.json(serviceResource(updated ?? service, baseUrl(c, deps.config)), 200)
    })
    on(app, remove, async (c) => {
      await deps.serviceStore.delete(await ownService(c, deps))
      return c.body(null, 204)
    })
  },
}
