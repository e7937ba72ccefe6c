import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

/**
 * A webhook receiver on loopback for the tests, verifying every request with the `standardwebhooks` package as an
 * application would. Each path behaves its own way: `/ok` answers 200; `/flaky` 500 to the first two attempts of an
 * event, then 200; `/hang` never answers the first attempt of an event, then 200; `/gone` always 410; `/down` 503
 * while `down` is set; `/slow` 200 after `slowMs`.
 */
export interface ReceivedWebhook {
  readonly path: string
  readonly id: string
  readonly type: string
  readonly body: string
  readonly data: Record<string, unknown>
  /** whether `standardwebhooks` accepted the signature */
  readonly verified: boolean
  readonly at: number
  /** false for a request the receiver never answered (the sender gave up first) */
  answered: boolean
  /** the status it answered with (0 while unanswered) */
  status: number
}

export interface WebhookReceiver {
  readonly secret: string
  readonly url: string
  readonly received: ReceivedWebhook[]
  down: boolean
  slowMs: number
  /** every request to `path` */
  at(path: string): ReceivedWebhook[]
  close(): Promise<void>
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

export async function startWebhookReceiver(secret = newWebhookSecret()): Promise<WebhookReceiver> {
  const verifier = new Webhook(secret)
  const received: ReceivedWebhook[] = []
  const hanging = new Set<ServerResponse>()
  const attempts = new Map<string, number>()
  const receiver: WebhookReceiver = {
    secret,
    url: '',
    received,
    down: false,
    slowMs: 1_000,
    at: (path) => received.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const path = new URL(req.url ?? '/', 'http://x').pathname
      const headers = { 'webhook-id': String(req.headers['webhook-id'] ?? ''), 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') }
      let verified = false
      try {
        verifier.verify(body, headers)
        verified = true
      } catch {
        verified = false
      }
      let parsed: { type?: string; data?: Record<string, unknown> } = {}
      try {
        parsed = JSON.parse(body) as typeof parsed
      } catch {
        parsed = {}
      }
      const entry: ReceivedWebhook = { path, id: headers['webhook-id'], type: parsed.type ?? '', body, data: parsed.data ?? {}, verified, at: Date.now(), answered: true, status: 0 }
      received.push(entry)
      const key = `${path} ${entry.id}`
      const attempt = (attempts.get(key) ?? 0) + 1
      attempts.set(key, attempt)
      const answer = (status: number): void => {
        // The sender went away first (gave up, or died): nothing was taken.
        if (res.destroyed || res.socket === null || res.socket.destroyed) {
          entry.answered = false
          return
        }
        entry.status = status
        res.writeHead(status, { 'Content-Type': 'text/plain' })
        res.end(status < 300 ? 'ok' : `no (${status})`)
      }
      switch (path) {
        case '/flaky':
          return answer(attempt <= 2 ? 500 : 200)
        case '/hang':
          if (attempt === 1) {
            entry.answered = false
            hanging.add(res)
            res.on('close', () => hanging.delete(res))
            return
          }
          return answer(200)
        case '/gone':
          return answer(410)
        case '/down':
          return answer(receiver.down ? 503 : 200)
        case '/slow':
          setTimeout(() => answer(200), receiver.slowMs)
          return
        default:
          return answer(200)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  ;(receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return receiver
}
