/** The fake relay's HTTP control API (test/fake-relay/control.ts), as the bench uses it. */

export interface RelayMessage {
  readonly to: string
  readonly body: string
  readonly receivedAt: number
}

export function relayClient(port: number) {
  const base = `http://127.0.0.1:${port}/__relay`
  async function call(method: 'GET' | 'POST', path: string): Promise<unknown> {
    const res = await fetch(`${base}${path}`, { method })
    if (!res.ok) throw new Error(`relay ${method} ${path}: ${res.status}`)
    return res.json()
  }
  return {
    messages: async (): Promise<RelayMessage[]> => (await call('GET', '/messages')) as RelayMessage[],
    reset: async (): Promise<void> => void (await call('POST', '/reset')),
    delay: async (ms: number): Promise<void> => void (await call('POST', `/delay?ms=${ms}`)),
    /** resolves once the relay has received `count` messages (polling), or rejects after `timeoutMs` */
    async waitForCount(count: number, timeoutMs: number): Promise<RelayMessage[]> {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const messages = (await call('GET', '/messages')) as RelayMessage[]
        if (messages.length >= count) return messages
        if (Date.now() > deadline) throw new Error(`relay received ${messages.length} of ${count} messages within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, count - messages.length > 2_000 ? 500 : 150))
      }
    },
  }
}

export type RelayClient = ReturnType<typeof relayClient>

/** The code in an SMS body ("Your verification code is: 123456"). */
export function codeIn(body: string, length: number): string | undefined {
  return new RegExp(`(\\d{${length}})`).exec(body)?.[1]
}
