import assert from 'node:assert/strict'
import { afterAll, beforeAll } from 'vitest'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import type { FakeRelay } from '../fake-relay/server.js'
import { launchBrowser, newContext, watchPage, type PageProblems } from './browser.js'
import { startStack, type Provider, type Stack } from './stack.js'

export interface DemoHarness {
  /** the page's address, `http://127.0.0.1:<port>/` */
  home(): string
  /** where the SMS arrive (provider `signalwire`) */
  phone(): FakeRelay
  /** a fresh browser context (no cookies, no cache) with the demo page loaded and watched */
  open(options?: BrowserContextOptions): Promise<{ page: Page; problems: PageProblems }>
  /** a fresh browser context with a blank page, for pages of other origins */
  blank(options?: BrowserContextOptions): Promise<Page>
  /** the API process's log lines so far */
  apiLog(): readonly string[]
}

/**
 * Registers before/after hooks at the calling level: the real API and worker (see startStack) and one Chromium,
 * shared by the tests of one file because each start costs seconds. Everything is stopped even when a start fails.
 */
export function useDemoHarness(provider: Provider): DemoHarness {
  let stack: Stack | undefined
  let browser: Browser | undefined
  const contexts: BrowserContext[] = []

  beforeAll(async () => {
    const [s, b] = await Promise.allSettled([startStack(provider), launchBrowser()])
    if (s.status === 'fulfilled') stack = s.value
    if (b.status === 'fulfilled') browser = b.value
    if (s.status === 'rejected') throw s.reason
    if (b.status === 'rejected') throw b.reason
  })

  afterAll(async () => {
    await Promise.allSettled(contexts.map((c) => c.close()))
    await Promise.allSettled([browser?.close(), stack?.stop()])
  })

  function started(): { stack: Stack; browser: Browser } {
    assert.ok(stack !== undefined && browser !== undefined, 'beforeAll() started the stack and the browser')
    return { stack, browser }
  }

  const home = (): string => `${started().stack.url}/`

  return {
    home,
    phone() {
      const relay = started().stack.relay
      assert.ok(relay !== undefined, 'the signalwire stack has a relay')
      return relay
    },
    apiLog: () => started().stack.api.lines,
    async blank(options = {}) {
      const context = await newContext(started().browser, options)
      contexts.push(context)
      return context.newPage()
    },
    async open(options = {}) {
      const context = await newContext(started().browser, options)
      contexts.push(context)
      const page = await context.newPage()
      const problems = watchPage(page)
      const response = await page.goto(home())
      assert.equal(response?.status(), 200)
      return { page, problems }
    },
  }
}
