import assert from 'node:assert/strict'
import { TEST_API_KEY } from '../../helpers/app.js'
import type { Verification } from '../../../shared/verification.js'

export interface Answer<T = unknown> {
  readonly status: number
  readonly body: T
  /** wall time of the request, ms */
  readonly ms: number
}

/** The /v1 API of a running API process, called over HTTP with the test key. */
export function apiClient(url: string) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const started = performance.now()
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    })
    const text = await res.text()
    const ms = performance.now() - started
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as T, ms }
  }

  return {
    /** any /v1 call */
    call,
    create: (to: string) => call<Verification>('POST', '/v1/verifications', { to, channel: 'sms' }),
    get: (id: string) => call<Verification>('GET', `/v1/verifications/${id}`),
    check: (id: string, code: string) => call<{ valid: boolean; status: string }>('POST', '/v1/verifications/check', { id, code }),

    /** Creates one verification per number, `parallel` requests at a time; every one must be a 201. */
    async createAll(tos: readonly string[], parallel = 16): Promise<Verification[]> {
      const out: Verification[] = new Array<Verification>(tos.length)
      let next = 0
      const lane = async (): Promise<void> => {
        while (next < tos.length) {
          const i = next++
          const to = tos[i] ?? ''
          const answer = await call<Verification>('POST', '/v1/verifications', { to, channel: 'sms' })
          assert.equal(answer.status, 201, `create #${i} answered ${answer.status}: ${JSON.stringify(answer.body)}`)
          out[i] = answer.body
        }
      }
      await Promise.all(Array.from({ length: parallel }, lane))
      return out
    },

    /** GETs every verification, `parallel` at a time. */
    async getAll(ids: readonly string[], parallel = 16): Promise<Verification[]> {
      const out: Verification[] = new Array<Verification>(ids.length)
      let next = 0
      const lane = async (): Promise<void> => {
        while (next < ids.length) {
          const i = next++
          const answer = await call<Verification>('GET', `/v1/verifications/${ids[i] ?? ''}`)
          assert.equal(answer.status, 200, `GET #${i} answered ${answer.status}`)
          out[i] = answer.body
        }
      }
      await Promise.all(Array.from({ length: parallel }, lane))
      return out
    },
  }
}

export type ApiClient = ReturnType<typeof apiClient>
