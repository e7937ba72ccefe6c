import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'

/** Debian's Chromium; no tool may download a browser of its own. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'browser')

/**
 * BROWSER_BREAK=1 rewrites the validate form's action in every page the server sends (`/validate-auth` →
 * `/validate-authX`): the flows must then fail. Proof that they test the page, not merely the routes.
 */
const BREAK_VALIDATE_FORM = process.env.BROWSER_BREAK === '1'

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    headless: true,
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options)
  context.setDefaultTimeout(15_000)
  if (BREAK_VALIDATE_FORM) {
    await context.route('**/*', async (route) => {
      if (route.request().resourceType() !== 'document') return route.continue()
      const response = await route.fetch()
      const body = (await response.text()).replace('action="/validate-auth"', 'action="/validate-authX"')
      await route.fulfill({ response, body })
    })
  }
  return context
}

/** What the browser complained about: console errors (CSP violations among them) and uncaught page errors. */
export interface PageProblems {
  readonly consoleErrors: string[]
  readonly pageErrors: string[]
}

export function watchPage(page: Page): PageProblems {
  const problems: PageProblems = { consoleErrors: [], pageErrors: [] }
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(`${message.text()} @ ${message.location().url}`)
  })
  page.on('pageerror', (error) => problems.pageErrors.push(error.message))
  return problems
}

/** Issue 5 point 5: the CSP blocks nothing the page needs. Only the `allowed` console errors may appear. */
export function assertNoProblems(problems: PageProblems, allowed: readonly RegExp[] = []): void {
  const known = [...allowed]
  assert.deepEqual(problems.pageErrors, [], 'uncaught errors in the page')
  assert.deepEqual(problems.consoleErrors.filter((e) => !known.some((a) => a.test(e))), [], 'console errors (CSP violations among them)')
}

/** Saves a full-page screenshot as test-artifacts/browser/<step>.png. */
export async function shoot(page: Page, step: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  await page.screenshot({ path: join(ARTIFACTS, `${step}.png`), fullPage: true })
}

/**
 * Polls `read` until it returns `expected` (or `timeoutMs` passes) and returns the last value read, for the caller
 * to assert on: a failure then shows what the page really said.
 */
export async function settle<T>(read: () => Promise<T>, expected: T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (value === expected || Date.now() > deadline) return value
    await new Promise((r) => setTimeout(r, 50))
  }
}
