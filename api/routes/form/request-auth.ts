import { clientIp, limitIdentity } from '../../client-ip.js'
import { on, type Endpoint } from '../../endpoint.js'
import { FORM_SENT } from '../../form-text.js'
import { readFields } from '../../input.js'
import { requestAuthFields } from '../../schemas.js'
import type { StartOutcome } from '../../services/verifications.js'
import { formError, formRoutes, respond, type FormAnswer } from './answer.js'

const routes = formRoutes({
  path: '/request-auth',
  name: 'requestAuth',
  summary: 'Send a code (form interface)',
  description: 'Texts a code to `number` (or, with `channel=call`, speaks it in a call); while one is pending for that number, the same code is sent again.',
  fields: requestAuthFields,
  success: FORM_SENT,
  errors: ['invalid_request', 'invalid_phone_number', 'forbidden', 'country_not_allowed', 'number_type_not_allowed', 'fraud_suspected', 'rate_limited', 'unavailable', 'queue_saturated'],
})

function answer(outcome: StartOutcome): FormAnswer {
  switch (outcome.kind) {
    case 'sent':
      return { status: 200, text: FORM_SENT }
    case 'invalid_phone_number':
    case 'country_not_allowed':
    case 'number_type_not_allowed':
      return formError(outcome.kind)
    case 'landline':
      return formError('number_type_not_allowed')
    case 'limited':
      return formError('rate_limited', { retryAfterSeconds: outcome.retryAfterSeconds })
    case 'queue_saturated':
      return formError('queue_saturated', { retryAfterSeconds: 30 })
    case 'fraud_suspected':
      // The figures are for the operator and the application; an anonymous visitor hears only "Forbidden".
      return formError('fraud_suspected')
    case 'invalid_locale':
    case 'idempotency_in_progress':
    case 'idempotency_mismatch':
      // The form routes take no locale and no Idempotency-Key.
      throw new Error(`unexpected outcome ${outcome.kind}`)
  }
}

/** `/request-auth`, the original guide's "text me a code": GET or POST, field `number`. */
export const requestAuth: Endpoint = {
  routes,
  surface: 'public',
  mount(app, deps) {
    const ipOf = clientIp(deps.config.http.trustProxy)
    for (const route of routes) {
      on(app, route, async (c) => {
        const fields = await readFields(c)
        const number = fields.number ?? ''
        const channel = fields.channel ?? 'sms'
        if (channel !== 'sms' && channel !== 'call') return respond(c, deps, 'request', number, formError('invalid_request'))
        const ip = limitIdentity(ipOf(c) ?? 'unknown')
        const outcome = await deps.verifications.start({ to: number, channel, service: deps.serviceStore.builtIn.public, requestId: c.get('requestId'), ip })
        return respond(c, deps, 'request', number, answer(outcome))
      })
    }
  },
}
