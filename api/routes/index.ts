import type { Endpoint } from '../endpoint.js'
import { demoPage } from './demo.js'
import { requestAuth } from './form/request-auth.js'
import { validateAuth } from './form/validate-auth.js'
import { healthEndpoints } from './health.js'
import { cancelVerification } from './v1/cancel-verification.js'
import { checkVerification } from './v1/check-verification.js'
import { createVerification } from './v1/create-verification.js'
import { getVerification } from './v1/get-verification.js'
import { mfaEndpoints } from './mfa/mfa.js'
import { v2RateLimits } from './v2/rate-limits.js'
import { v2Services } from './v2/services.js'
import { v2Verifications } from './v2/verifications.js'

/** Every endpoint, in the order app.ts mounts them and the OpenAPI document lists them. */
export const ENDPOINTS: readonly Endpoint[] = [
  demoPage,
  requestAuth,
  validateAuth,
  createVerification,
  checkVerification,
  getVerification,
  cancelVerification,
  v2Services,
  v2Verifications,
  v2RateLimits,
  mfaEndpoints,
  healthEndpoints,
]

/** The endpoints a service with these settings serves: without PUBLIC_ROUTES, no demo page and no form routes. */
export function endpointsFor(options: { readonly publicRoutes: boolean }): Endpoint[] {
  return ENDPOINTS.filter((e) => options.publicRoutes || e.surface !== 'public')
}
