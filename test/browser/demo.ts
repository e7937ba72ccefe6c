import assert from 'node:assert/strict'
import type { Locator, Page } from 'playwright-core'
import type { FakeRelay } from '../fake-relay/server.js'

/**
 * The demo page as a user sees it: fields found by their labels inside the section headed by the step, buttons by
 * their names. Both forms have a field labelled "Phone number", so the section tells them apart.
 */
export function demoPage(page: Page) {
  const request = page.getByRole('region', { name: '1. Request a code' })
  const validate = page.getByRole('region', { name: '2. Verify the code' })
  return {
    requestNumber: request.getByLabel('Phone number'),
    sendCode: request.getByRole('button', { name: 'Send code' }),
    callMe: request.getByRole('button', { name: 'Call me instead' }),
    requestStatus: page.locator('#request-status'),
    validateNumber: validate.getByLabel('Phone number'),
    code: validate.getByLabel('Code from the SMS or the call'),
    verify: validate.getByRole('button', { name: 'Verify' }),
    validateStatus: page.locator('#validate-status'),
  }
}

export type DemoPage = ReturnType<typeof demoPage>

/** A status area's text, trimmed; '' when empty. */
export async function textOf(locator: Locator): Promise<string> {
  return ((await locator.textContent()) ?? '').trim()
}

export async function classesOf(locator: Locator): Promise<string[]> {
  return ((await locator.getAttribute('class')) ?? '').split(/\s+/).filter((c) => c !== '')
}

/** The id of the focused element, '' when none has one. */
export async function focusedId(page: Page): Promise<string> {
  const focused = page.locator(':focus')
  return (await focused.count()) === 1 ? ((await focused.getAttribute('id')) ?? '') : ''
}

export function codeIn(text: string): string {
  const code = /\b(\d{6})\b/.exec(text)?.[1]
  assert.ok(code !== undefined, 'the SMS holds a six-digit code')
  return code
}

/** The code from the last SMS the relay received for `e164` after `since`: read where a phone would read it. */
export async function smsCode(relay: FakeRelay, e164: string, since: number): Promise<string> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const sms = relay.messages.filter((m) => m.to === e164 && m.receivedAt >= since).at(-1)
    if (sms !== undefined) return codeIn(sms.body)
    if (Date.now() > deadline) throw new Error('no SMS reached the relay within 15 s: is the worker running?')
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** The code the last call to `e164` after `since` spoke (digits separated by ", "): heard where a phone would hear it. */
export async function spokenCode(relay: FakeRelay, e164: string, since: number): Promise<string> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const call = relay.calls.filter((c) => c.to === e164 && c.dialedAt >= since && c.tts.length > 0).at(-1)
    const spelled = call === undefined ? undefined : /\d(?:, \d){5}/.exec(call.tts.map((t) => t.text).join(' '))?.[0]
    if (spelled !== undefined) return spelled.replace(/, /g, '')
    if (Date.now() > deadline) throw new Error('no call spoke a code at the relay within 15 s: is the worker running?')
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Another six-digit code, surely wrong. */
export function wrongCode(code: string): string {
  return code === '123456' ? '654321' : '123456'
}
