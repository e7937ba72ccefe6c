import assert from 'node:assert/strict'
import { test } from 'vitest'
import type { Page } from 'playwright-core'
import { assertNoProblems, settle, shoot } from './browser.js'
import { classesOf, demoPage, focusedId, smsCode, spokenCode, textOf, wrongCode } from './demo.js'
import type { DemoHarness } from './harness.js'

/**
 * Points 1, 2, 3 and 5: the two forms used the way a person uses them, with and without JavaScript, the code read
 * from the SMS at the relay. Every flow also asserts the browser logged no error (a CSP block would be one).
 */
export function flowTests(h: DemoHarness): void {
  test('with JavaScript: the answers appear inline, the code field is ready, "Success!"', async () => {
    const { page, problems } = await h.open()
    const demo = demoPage(page)
    const navigations = countNavigations(page)
    // The stylesheet applied (blocked, the browser's default 8px body margin would remain) ...
    assert.equal(await page.evaluate<unknown>('getComputedStyle(document.body).margin'), '0px')
    await shoot(page, 'js-1-loaded')

    await demo.requestNumber.fill('+1 201 555 0160')
    const since = Date.now()
    await demo.sendCode.click()
    // ... and the script ran: the answer is inline and the page stayed where it was.
    assert.equal(await settle(() => textOf(demo.requestStatus), 'Your code was sent'), 'Your code was sent')
    assert.ok((await classesOf(demo.requestStatus)).includes('status--ok'))
    assert.equal(page.url(), h.home())
    // It filled in the validate form's number and put the cursor in the code field.
    assert.equal(await demo.validateNumber.inputValue(), '+1 201 555 0160')
    assert.equal(await focusedId(page), 'auth-code')
    await shoot(page, 'js-2-code-sent')

    const code = await smsCode(h.phone(), '+12015550160', since)
    await page.keyboard.type(code) // into the focused field, as a person would
    assert.ok((await demo.code.inputValue()) === code, 'the code went into the code field') // no code in a failure report
    await demo.verify.click()
    assert.equal(await settle(() => textOf(demo.validateStatus), 'Success!'), 'Success!')
    assert.ok((await classesOf(demo.validateStatus)).includes('status--ok'))
    assert.equal(page.url(), h.home())
    assert.equal(navigations.count, 0, 'the page never navigated')
    await shoot(page, 'js-3-success')
    assertNoProblems(problems)
  })

  test('with JavaScript: a wrong code shows "Forbidden" inline, styled as an error, without navigating', async () => {
    const { page, problems } = await h.open()
    const demo = demoPage(page)
    const navigations = countNavigations(page)
    await demo.requestNumber.fill('+1 201 555 0161')
    const since = Date.now()
    await demo.sendCode.click()
    assert.equal(await settle(() => textOf(demo.requestStatus), 'Your code was sent'), 'Your code was sent')
    const code = await smsCode(h.phone(), '+12015550161', since)

    await demo.code.fill(wrongCode(code))
    await demo.verify.click()
    assert.equal(await settle(() => textOf(demo.validateStatus), 'Forbidden'), 'Forbidden')
    const classes = await classesOf(demo.validateStatus)
    assert.ok(classes.includes('status--error') && !classes.includes('status--ok'), `error styling, got "${classes.join(' ')}"`)
    assert.equal(page.url(), h.home())
    assert.equal(navigations.count, 0, 'the page never navigated')
    await shoot(page, 'js-4-wrong-code')
    // Chromium logs every non-2xx fetch: that one 403 is the expected answer, nothing else may appear.
    assertNoProblems(problems, [/status of 403 .*\/validate-auth$/])
  })

  test('"Call me instead", with and without JavaScript: the code is spoken in a call, no SMS is sent, and it verifies', async () => {
    for (const [javaScriptEnabled, number, e164] of [
      [true, '+1 201 555 0165', '+12015550165'],
      [false, '+1 201 555 0166', '+12015550166'],
    ] as const) {
      const { page, problems } = await h.open({ javaScriptEnabled })
      const demo = demoPage(page)
      await demo.requestNumber.fill(number)
      const since = Date.now()
      if (javaScriptEnabled) {
        await demo.callMe.click()
        assert.equal(await settle(() => textOf(demo.requestStatus), 'Your code was sent'), 'Your code was sent')
      } else {
        assert.equal(await submit(page, () => demo.callMe.click()), 200)
        assert.equal(await textOf(demo.requestStatus), 'Your code was sent')
      }
      await shoot(page, `call-${javaScriptEnabled ? 'js' : 'nojs'}-1-calling`)
      const code = await spokenCode(h.phone(), e164, since)
      assert.equal(h.phone().messages.filter((m) => m.to === e164).length, 0, 'no SMS for a call')
      await demo.code.fill(code)
      if (javaScriptEnabled) {
        await demo.verify.click()
        assert.equal(await settle(() => textOf(demo.validateStatus), 'Success!'), 'Success!')
      } else {
        await submit(page, () => demo.verify.click())
        assert.equal(await textOf(demo.validateStatus), 'Success!')
      }
      await shoot(page, `call-${javaScriptEnabled ? 'js' : 'nojs'}-2-success`)
      assertNoProblems(problems)
      await page.close()
    }
  })

  test('without JavaScript: plain form posts render the page again with "Your code was sent", then "Success!"', async () => {
    const { page, problems } = await h.open({ javaScriptEnabled: false })
    const demo = demoPage(page)
    await shoot(page, 'nojs-1-loaded')

    await demo.requestNumber.fill('+1 201 555 0162')
    const since = Date.now()
    const sent = await submit(page, () => demo.sendCode.click())
    assert.equal(sent, 200)
    assert.equal(new URL(page.url()).pathname, '/request-auth')
    assert.equal(await textOf(demo.requestStatus), 'Your code was sent')
    assert.ok((await classesOf(demo.requestStatus)).includes('status--ok'))
    assert.equal(await demo.validateNumber.inputValue(), '+1 201 555 0162', 'the server prefills the number')
    await shoot(page, 'nojs-2-code-sent')

    await demo.code.fill(await smsCode(h.phone(), '+12015550162', since))
    const verified = await submit(page, () => demo.verify.click())
    assert.equal(new URL(page.url()).pathname, '/validate-auth')
    assert.equal(verified, 200)
    assert.equal(await textOf(demo.validateStatus), 'Success!')
    assert.ok((await classesOf(demo.validateStatus)).includes('status--ok'))
    await shoot(page, 'nojs-3-success')
    assertNoProblems(problems)
  })

  test("the browser's icon request does not fail: the page links an icon or /favicon.ico exists", async () => {
    const linked = /<link\b[^>]*\brel="[^"]*\bicon\b/i.test(await (await fetch(h.home())).text())
    const served = (await fetch(new URL('/favicon.ico', h.home()))).status
    assert.ok(linked || served < 400, `no <link rel="icon"> and GET /favicon.ico answers ${served}`)
  })
}

/** Counts the page's own navigations from now on: inline answers must not navigate. */
function countNavigations(page: Page): { count: number } {
  const seen = { count: 0 }
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.count += 1
  })
  return seen
}

/** Submits a form by `click` without JavaScript and resolves with the HTTP status of the page that comes back. */
async function submit(page: Page, click: () => Promise<void>): Promise<number> {
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().isNavigationRequest()), click()])
  await page.waitForLoadState()
  return response.status()
}
