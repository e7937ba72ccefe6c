import { on, type Endpoint } from '../../endpoint.js'
import { FORM_APPROVED } from '../../form-text.js'
import { readFields } from '../../input.js'
import { validateAuthFields } from '../../schemas.js'
import type { CheckOutcome } from '../../services/verifications.js'
import { formError, formRoutes, respond, type FormAnswer } from './answer.js'

const routes = formRoutes({
  path: '/validate-auth',
  name: 'validateAuth',
  summary: 'Check a code (form interface)',
  description:
    '`403` for a wrong, unknown, expired, canceled or used code; once the attempts are used up every try is `429`, the right code included.',
  fields: validateAuthFields,
  success: FORM_APPROVED,
  errors: ['invalid_request', 'invalid_phone_number', 'forbidden', 'rate_limited', 'unavailable'],
})

function answer(outcome: CheckOutcome): FormAnswer {
  switch (outcome.kind) {
    case 'approved':
      return { status: 200, text: FORM_APPROVED }
    case 'invalid_phone_number':
      return formError('invalid_phone_number')
    case 'malformed':
    case 'malformed_code':
    case 'not_found':
    case 'wrong':
      return formError('forbidden')
    case 'limited':
      return formError('rate_limited', { retryAfterSeconds: outcome.retryAfterSeconds })
    case 'not_pending':
      // Once the attempts are used up every try is 429, the right code included; other ended states are 403 like a
      // wrong code: an anonymous caller learns nothing about what a number had (approved, canceled, expired).
      return outcome.verification.status === 'max_attempts_reached' ? formError('rate_limited') : formError('forbidden')
  }
}

/** `/validate-auth`, the original guide's "check my code": GET or POST, fields `number` and `auth_code`. */
export const validateAuth: Endpoint = {
  routes,
  surface: 'public',
  mount(app, deps) {
    for (const route of routes) {
      on(app, route, async (c) => {
        const fields = await readFields(c)
        const number = fields.number ?? ''
        const outcome = await deps.verifications.check({ target: { to: number }, code: fields.auth_code ?? '', service: deps.serviceStore.builtIn.public })
        return respond(c, deps, 'validate', number, answer(outcome))
      })
    }
  },
}
