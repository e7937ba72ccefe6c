// CLI: run a fake RELAY server for benchmarks and manual runs (`npx tsx test/fake-relay/main.ts --port 9500`).
import { parseArgs } from 'node:util'
import { startFakeRelay, type FakeRelayOptions } from './server.js'

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0) {
    throw new Error(`--${name} expects a non-negative integer, got ${JSON.stringify(value)}`)
  }
  return parsed
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '9500' },
      project: { type: 'string' },
      token: { type: 'string' },
      'send-delay-ms': { type: 'string' },
      'receipt-delay-ms': { type: 'string' },
      'ping-interval-ms': { type: 'string' },
      'ring-ms': { type: 'string' },
      'playback-ms': { type: 'string' },
      'no-receipts': { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  })

  const options: FakeRelayOptions = {
    port: numberOption('port', values.port),
    project: values.project,
    token: values.token,
    sendDelayMs: numberOption('send-delay-ms', values['send-delay-ms']),
    receiptDelayMs: numberOption('receipt-delay-ms', values['receipt-delay-ms']),
    pingIntervalMs: numberOption('ping-interval-ms', values['ping-interval-ms']),
    ringMs: numberOption('ring-ms', values['ring-ms']),
    playbackMs: numberOption('playback-ms', values['playback-ms']),
    receipts: !values['no-receipts'],
  }
  const relay = await startFakeRelay(options)

  let closing = false
  const shutdown = (): void => {
    if (closing) return
    closing = true
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('fake relay: close failed', error)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)

  // Exactly one JSON line on stdout, so a parent process can wait for it and read the port.
  process.stdout.write(`${JSON.stringify({ url: relay.url, port: relay.port })}\n`)
}

main().catch((error: unknown) => {
  console.error('fake relay:', error instanceof Error ? error.message : error)
  process.exit(1)
})
