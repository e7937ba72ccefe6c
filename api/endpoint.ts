import type { RouteConfig } from '@hono/zod-openapi'
import type { z } from '@hono/zod-openapi'
import type { Context, Handler, Hono } from 'hono'
import type { AppDeps, AppEnv } from './deps.js'
import { ApiError } from './errors.js'
import { readFields } from './input.js'

/**
 * One endpoint: the OpenAPI operations it answers (each a `createRoute` with its request schema and every response
 * and error code it can give) and the handlers that answer them. app.ts mounts endpoints and the OpenAPI document
 * is assembled from the same list, so the two cannot disagree about which routes exist.
 */
export interface Endpoint {
  readonly routes: readonly RouteConfig[]
  /** public: served only with PUBLIC_ROUTES; v1: behind the API keys; v2 and mfa: behind their Basic auth; open: always */
  readonly surface: 'public' | 'v1' | 'v2' | 'mfa' | 'open'
  mount(app: Hono<AppEnv>, deps: AppDeps): void
}

/** Adds `handler` to `app` at a route's method and path (`{id}` becomes Hono's `:id`). */
export function on(app: Hono<AppEnv>, route: RouteConfig, handler: Handler<AppEnv>): void {
  app.on(route.method.toUpperCase(), route.path.replace(/\{(\w+)\}/g, ':$1'), handler)
}

/** The request's fields (query string and body), validated by `schema`; a failure is `400 invalid_request`. */
export async function parseFields<T extends z.ZodType>(c: Context<AppEnv>, schema: T): Promise<z.output<T>> {
  const result = schema.safeParse(await readFields(c))
  if (!result.success) throw new ApiError('invalid_request', describeIssues(result.error))
  return result.data
}

/** zod issues as one readable sentence for the error envelope. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
}
