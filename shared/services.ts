import { createHash } from 'node:crypto'

/*
 * Services: each verification belongs to one, and a service is a namespace. The same number can have one pending
 * verification per service, and a check in one service never touches another's (its limits and wrong-code budget
 * included). Ids are Twilio-shaped, `VA` + 32 lowercase hex.
 *
 * Two services are built in, with their settings from the environment: the default service of `/v1`, and the
 * service of the public form routes, so that an anonymous visitor can never check, spend the attempts of, or
 * approve a verification an application created.
 */

const SERVICE_ID = /^VA[0-9a-f]{32}$/

export interface ServiceRef {
  readonly id: string
  /** the built-in services; undefined for services created through /v2 */
  readonly builtIn?: 'default' | 'public'
}

export function isServiceId(value: string): boolean {
  return SERVICE_ID.test(value)
}

/** The built-in services of a deployment: stable ids derived from KEY_PREFIX, so restarts keep them. */
export interface BuiltInServices {
  readonly default: ServiceRef
  readonly public: ServiceRef
}

export function builtInServices(keyPrefix: string): BuiltInServices {
  const id = (kind: string): string => `VA${createHash('sha256').update(`${kind}-service\0${keyPrefix}`).digest('hex').slice(0, 32)}`
  return { default: { id: id('default'), builtIn: 'default' }, public: { id: id('public'), builtIn: 'public' } }
}
