import assert from 'node:assert/strict'
import { test } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { assertNoProblems, settle, shoot } from './browser.js'
import { demoPage, smsCode, textOf } from './demo.js'
import type { DemoHarness } from './harness.js'

const PHONE = { width: 360, height: 740 }

/** Point 4: labels and autofill hints, and a small phone's screen: no sideways scrolling, reachable buttons. */
export function layoutTests(h: DemoHarness): void {
  test('the code field asks for one-time-code autofill and a numeric keypad; every input has a real <label for>', async () => {
    const { page } = await h.open()
    const demo = demoPage(page)
    assert.equal(await demo.code.getAttribute('id'), 'auth-code')
    assert.equal(await demo.code.getAttribute('autocomplete'), 'one-time-code')
    assert.equal(await demo.code.getAttribute('inputmode'), 'numeric')
    // The lookups by section and label land on the right fields ...
    assert.equal(await demo.requestNumber.getAttribute('id'), 'request-number')
    assert.equal(await demo.validateNumber.getAttribute('id'), 'validate-number')

    // ... and so does every other input: a <label for> names each (no placeholder or aria-label standing in).
    const inputs = await page.locator('input').all()
    assert.equal(inputs.length, 3)
    for (const input of inputs) {
      const id = (await input.getAttribute('id')) ?? ''
      assert.notEqual(id, '', 'every input has an id a label can point at')
      const label = page.locator(`label[for="${id}"]`)
      assert.equal(await label.count(), 1, `one <label for="${id}">`)
      const text = await textOf(label)
      assert.notEqual(text, '')
      const found = await Promise.all((await page.getByLabel(text, { exact: true }).all()).map((l) => l.getAttribute('id')))
      assert.ok(found.includes(id), `getByLabel("${text}") finds #${id}`)
    }
  })

  test('at 360×740: no horizontal scroll, both buttons visible and clickable, the flow works', async () => {
    const { page, problems } = await h.open({ viewport: PHONE, isMobile: true, hasTouch: true })
    const demo = demoPage(page)
    await shoot(page, 'mobile-360-1-loaded')
    assert.ok((await scrollWidth(page)) <= PHONE.width, 'no horizontal scroll')
    for (const button of [demo.sendCode, demo.verify]) await assertReachable(button)

    await demo.requestNumber.fill('+1 201 555 0170')
    const since = Date.now()
    await demo.sendCode.tap()
    assert.equal(await settle(() => textOf(demo.requestStatus), 'Your code was sent'), 'Your code was sent')
    await shoot(page, 'mobile-360-2-code-sent')
    await demo.code.fill(await smsCode(h.phone(), '+12015550170', since))
    await demo.verify.tap()
    assert.equal(await settle(() => textOf(demo.validateStatus), 'Success!'), 'Success!')
    assert.ok((await scrollWidth(page)) <= PHONE.width, 'the answers do not widen the page')
    await shoot(page, 'mobile-360-3-success')
    assertNoProblems(problems)
  })
}

async function scrollWidth(page: Page): Promise<number> {
  const width = await page.evaluate<unknown>('document.documentElement.scrollWidth')
  if (typeof width !== 'number') assert.fail(`scrollWidth is ${typeof width}`)
  return width
}

/** Visible, inside the screen's width, big enough for a thumb, and the top element where a tap would land. */
async function assertReachable(button: Locator): Promise<void> {
  assert.ok(await button.isVisible(), 'visible')
  await button.scrollIntoViewIfNeeded()
  const box = await button.boundingBox()
  assert.ok(box !== null)
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `inside the screen: x ${box.x}, width ${box.width}`)
  assert.ok(box.height >= 44, `a 44 px touch target, got ${box.height}`)
  // Playwright's actionability checks (visible, stable, enabled, not covered) without pressing it.
  await button.click({ trial: true, timeout: 5_000 })
}
