import assert from 'node:assert/strict'
import { describe, test } from 'vitest'
import { assertNoProblems, settle, shoot } from './browser.js'
import { codeIn, demoPage, textOf } from './demo.js'
import { useDemoHarness } from './harness.js'

/*
 * Point 6: in development with the console provider nothing is really sent, so the page shows an outbox of the last
 * SMS (the script polls GET /dev/outbox after "Send code") and a newcomer finishes the flow without a phone.
 */
describe('demo page in a browser (development settings, console provider): the outbox', () => {
  const h = useDemoHarness('console')

  test('after "Send code" the SMS appears in the outbox, masked, and its code verifies', async () => {
    const { page, problems } = await h.open()
    const demo = demoPage(page)
    const outbox = page.getByRole('region', { name: 'Outbox (development)' })
    const entries = outbox.locator('.outbox-entry')
    assert.ok(await outbox.isVisible(), 'the page shows the outbox')
    assert.equal(await outbox.getAttribute('id'), 'outbox')
    assert.equal(await entries.count(), 0, 'a fresh key prefix starts with an empty outbox')
    assert.ok(await outbox.getByText('No messages yet.').isVisible())
    await shoot(page, 'outbox-1-empty')

    await demo.requestNumber.fill('+1 201 555 0180')
    await demo.sendCode.click()
    assert.equal(await settle(() => textOf(demo.requestStatus), 'Your code was sent'), 'Your code was sent')
    // No reload: the page's script polls the outbox until the worker has "sent" the SMS.
    assert.equal(await settle(() => entries.count(), 1), 1, 'the SMS appears in the outbox')
    const entry = entries.first()
    assert.equal(await textOf(entry.locator('.outbox-to')), '+1201*****80', 'the number is masked')
    assert.ok(!(await textOf(outbox)).includes('2015550180'), 'the full number is nowhere in the outbox')
    const body = await textOf(entry.locator('.outbox-body'))
    assert.ok(/^Your SMS 2FA verification code is: \d{6}$/.test(body), 'the SMS text with its code, in English for a US number') // no code in a failure report
    assert.ok(!(await outbox.getByText('No messages yet.').isVisible()))
    await shoot(page, 'outbox-2-sms-shown')

    await demo.code.fill(codeIn(body))
    await demo.verify.click()
    assert.equal(await settle(() => textOf(demo.validateStatus), 'Success!'), 'Success!')
    await shoot(page, 'outbox-3-success')

    // The SMS text in the outbox does not widen a phone's screen.
    await page.setViewportSize({ width: 360, height: 740 })
    const width = await page.evaluate<unknown>('document.documentElement.scrollWidth')
    assert.ok(typeof width === 'number' && width <= 360, `no horizontal scroll at 360 px (scrollWidth ${String(width)})`)
    await shoot(page, 'outbox-4-mobile-360')
    assertNoProblems(problems)
  })
})
