import { describe } from 'vitest'
import { flowTests } from './flows.js'
import { useDemoHarness } from './harness.js'
import { layoutTests } from './layout.js'

/*
 * The demo page in Chromium against the real API and worker processes (production settings); the SMS goes through
 * the real SignalWire SDK to a fake relay, where the test reads it like a phone would. Screenshots of every step
 * land in test-artifacts/browser/. BROWSER_BREAK=1 breaks the page's validate form: then the flows here fail.
 */
describe('demo page in a browser (production settings, SignalWire through a fake relay)', () => {
  const h = useDemoHarness('signalwire')
  describe('request a code, read the SMS, verify it', () => flowTests(h))
  describe('labels, autofill hints and a 360 px screen', () => layoutTests(h))
})
