import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { settle, shoot } from './browser.js'
import { demoPage, textOf } from './demo.js'
import { useDemoHarness } from './harness.js'

/*
 * Another web site tries to make visitors' browsers ask for codes: an <img> and a form on another origin, pointed at
 * the service. Chromium marks them cross-site (Sec-Fetch-Site, Origin) and the service refuses them: no SMS leaves.
 * The demo page itself keeps working, with and without JavaScript (its own flows in demo-page.test.ts too).
 */
describe('cross-site requests from a real browser', () => {
  const h = useDemoHarness('signalwire')
  let attacker: Server
  let attackerUrl = ''
  const victims = { img: '+12015550771', form: '+12015550772' }

  beforeAll(async () => {
    attacker = createServer((req, res) => {
      const service = new URL(h.home())
      const target = `${service.origin}/request-auth`
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><title>totally unrelated</title>
<img id="pixel" src="${target}?number=${encodeURIComponent(victims.img)}" alt="">
<form id="f" method="post" action="${target}"><input name="number" value="${victims.form}"><button id="go">win a prize</button></form>`)
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    // localhost against the service's 127.0.0.1: another site to the browser.
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => attacker.close(() => resolve()))
  })

  test('an <img> and a form on another origin are refused with 403, and nothing is sent', async () => {
    const page = await h.blank()
    // The service's Cross-Origin-Resource-Policy keeps the other site from even reading the image's answer, so the
    // browser reports it as blocked; the API's own log says what it answered.
    const img = page.waitForEvent('requestfinished', { predicate: (r) => r.url().includes('/request-auth?') }).catch(() => undefined)
    const imgBlocked = page.waitForEvent('requestfailed', { predicate: (r) => r.url().includes('/request-auth?') }).catch(() => undefined)
    await page.goto(attackerUrl)
    await Promise.race([img, imgBlocked])
    const refusedLine = (method: string) =>
      h.apiLog().find((l) => l.includes('"route":"/request-auth"') && l.includes(`"method":"${method}"`) && l.includes('"status":403'))
    await settle(() => Promise.resolve(refusedLine('GET') !== undefined), true)
    const posted = page.waitForResponse((r) => r.url().endsWith('/request-auth') && r.request().method() === 'POST')
    await page.click('#go')
    const answer = await posted
    assert.equal(answer.status(), 403, 'the form post')
    assert.equal(answer.request().headers().origin, `http://localhost:${new URL(attackerUrl).port}`)
    assert.match(await answer.text(), /Forbidden/)
    assert.ok(refusedLine('POST'), 'the API logged the refused post')
    await shoot(page, 'cross-site-form-refused')
    // Give a wrongly accepted send every chance to reach the relay.
    await new Promise((r) => setTimeout(r, 1_500))
    const sent = h.phone().messages.filter((m) => m.to === victims.img || m.to === victims.form)
    assert.deepEqual(sent, [], 'no SMS to the numbers the other site asked for')
  })

  test('the demo page still sends a code with JavaScript and without', async () => {
    for (const [javaScriptEnabled, number] of [
      [true, '+12015550773'],
      [false, '+12015550774'],
    ] as const) {
      const { page } = await h.open({ javaScriptEnabled })
      const demo = demoPage(page)
      await demo.requestNumber.fill(number)
      await demo.sendCode.click()
      assert.equal(await settle(() => textOf(demo.requestStatus), 'Your code was sent'), 'Your code was sent', `javaScriptEnabled=${String(javaScriptEnabled)}`)
      await h.phone().waitForMessageTo(number, 15_000)
    }
  })
})
