import assert from 'node:assert/strict'
import { serve } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, test } from 'vitest'
import { createAdminApp } from '../../api/admin.js'
import { buildTestApp, type TestApp } from '../helpers/app.js'
import { assertNoProblems, launchBrowser, newContext, shoot, watchPage } from './browser.js'

/*
 * The admin overview (GET /admin/) in Chromium: the fraud guard's view with real data in it (codes sent and used
 * in three countries, one prefix blocked), under the admin listener's basic auth and CSP, and its "Lift" button.
 */
const PASSWORD = 'admin-page-password-0123456789'

describe('admin overview page in a browser', () => {
  let t: TestApp
  let browser: Browser
  let server: ReturnType<typeof serve>
  let origin = ''

  beforeAll(async () => {
    t = await buildTestApp({ FRAUD_GUARD: 'enforce', FRAUD_MIN_SENDS: '10', FRAUD_WINDOW_SECONDS: '3600', FRAUD_GRACE_SECONDS: '60', ADMIN_PASSWORD: PASSWORD })
    // Traffic over the last half hour: users in the UK and Spain use their codes; a German range is pumped.
    const start = t.clock.now()
    t.clock.advance(-30 * 60_000)
    for (let minute = 0; minute < 30; minute++) {
      for (let i = 0; i < 3; i++) {
        for (const [prefix, country, approve] of [['+447700', 'GB', i < 2], ['+346123', 'ES', i < 3], ['+491512', 'DE', false]] as const) {
          const to = `${prefix}${String(minute * 10 + i).padStart(6, '0')}`
          const decision = await t.fraud.beforeSend(to, country, 'seed')
          if (decision.kind === 'pass' && approve) await t.fraud.ended(to, country, t.clock.now(), true)
        }
      }
      t.clock.advance(60_000)
    }
    assert.ok(t.clock.now() >= start)
    const admin = createAdminApp({ config: t.config, queues: [t.queue, t.callQueue], metrics: t.metrics, password: PASSWORD, fraud: t.fraud })
    server = serve({ fetch: admin.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser.close()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await t.close()
  })

  test('renders the guard\'s figures as charts with no console error, and lifts a block from its button', async () => {
    const overview = await t.fraud.overview()
    assert.deepEqual(
      overview.blocks.map((b) => b.prefix),
      ['+491512'],
      'the pumped range is blocked',
    )
    const context = await newContext(browser, { httpCredentials: { username: 'admin', password: PASSWORD } })
    const page = await context.newPage()
    const problems = watchPage(page)
    const res = await page.goto(`${origin}/admin/`)
    assert.equal(res?.status(), 200)
    assert.match(res?.headers()['content-security-policy'] ?? '', /default-src 'none'/)

    // The stylesheet applied under the CSP (the default body margin would remain otherwise).
    assert.equal(await page.evaluate<unknown>('getComputedStyle(document.body).margin'), '0px')
    const blocks = page.getByRole('region', { name: 'Blocked prefixes' })
    assert.ok(await blocks.getByRole('rowheader', { name: '+491512' }).isVisible())
    assert.match((await blocks.textContent()) ?? '', /0 of \d+ codes sent to \+491512 in the last hour were used/)
    for (const chart of ['Codes sent and used over the window', 'Codes sent and used by country', 'Codes sent and used by prefix']) {
      const svg = page.getByRole('img', { name: chart })
      assert.ok(await svg.isVisible(), chart)
      assert.ok((await svg.locator('rect').count()) > 2, `${chart} has bars`)
    }
    const countries = (await page.getByRole('img', { name: 'Codes sent and used by country' }).textContent()) ?? ''
    assert.match(countries, /ES/)
    assert.match(countries, /100 %/)
    assert.ok(await page.getByRole('link', { name: 'Queues (Bull Board)' }).isVisible())
    await shoot(page, 'admin-1-overview')

    await page.getByRole('button', { name: 'Lift the block of +491512' }).click()
    await page.waitForURL(`${origin}/admin/`)
    assert.ok(await page.getByText('No prefix is blocked.').isVisible())
    assert.deepEqual((await t.fraud.overview()).blocks, [])
    await shoot(page, 'admin-2-lifted')
    assertNoProblems(problems)
    await context.close()
  })

  test('without credentials the page is 401, and nothing of it is shown', async () => {
    const context = await newContext(browser)
    const res = await context.request.get(`${origin}/admin/`)
    assert.equal(res.status(), 401)
    assert.match(res.headers()['www-authenticate'] ?? '', /^Basic /)
    assert.doesNotMatch(await res.text(), /Blocked prefixes/)
    await context.close()
  })
})
