/**
 * The demo page, after SignalWire's guide "Two Factor Authentication via SMS": one form requests a code
 * (POST /request-auth, field `number`), the other checks it (POST /validate-auth, fields `number` and `auth_code`).
 *
 * The forms work without JavaScript: they post as application/x-www-form-urlencoded and the server renders this page
 * again with `result`. With JavaScript, /assets/demo.js sends the same requests with `Accept: application/json` and
 * shows the answers inline. No inline script or style anywhere: the service's Content-Security-Policy forbids them.
 * The script and styles are demo.js and demo.css beside this file.
 */

import { escapeHtml } from './html.js'

export interface DemoOutboxEntry {
  /** Recipient, already masked, e.g. +1201*****23 */
  to: string
  body: string
  /** ISO 8601 */
  sentAt: string
}

export interface DemoPageOptions {
  /** Prefills both number fields. */
  number?: string
  /** The answer to show under the matching form (no-JS flow: the page rendered again after a form post). */
  result?: { form: 'request' | 'validate'; ok: boolean; message: string }
  /**
   * Development only: the last SMS the console provider "sent". When present (even empty), the page shows an
   * "Outbox (development)" section listing them newest first.
   */
  outbox?: DemoOutboxEntry[]
}

const TITLE = 'SMS two-factor authentication — demo'

function timeOf(entry: DemoOutboxEntry): number {
  const time = Date.parse(entry.sentAt)
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time
}

/** `2024-05-01 12:34:56 UTC`, or the text as given when it is no date. */
function formatSentAt(iso: string): string {
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return iso
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

function renderStatus(
  id: string,
  form: 'request' | 'validate',
  result: DemoPageOptions['result'],
): string {
  const shown = result !== undefined && result.form === form ? result : undefined
  const kind = shown === undefined ? '' : shown.ok ? ' status--ok' : ' status--error'
  const text = shown === undefined ? '' : escapeHtml(shown.message)
  return `<p id="${id}" class="status${kind}" role="status" aria-live="polite">${text}</p>`
}

function renderOutboxEntry(entry: DemoOutboxEntry): string {
  const sentAt = escapeHtml(entry.sentAt)
  const when = escapeHtml(formatSentAt(entry.sentAt))
  const time = Number.isNaN(Date.parse(entry.sentAt))
    ? `<span class="outbox-time" data-sent-at="${sentAt}">${when}</span>`
    : `<time class="outbox-time" datetime="${sentAt}" data-sent-at="${sentAt}">${when}</time>`
  return [
    '<li class="outbox-entry">',
    `<p class="outbox-meta"><span>To </span><span class="outbox-to" data-to="">${escapeHtml(entry.to)}</span> · ${time}</p>`,
    `<p class="outbox-body" data-body="">${escapeHtml(entry.body)}</p>`,
    '</li>',
  ].join('')
}

/** The outbox entries, newest first: on the page, and as the page's script reloads them from GET /dev/outbox. */
export function renderOutboxEntries(entries: readonly DemoOutboxEntry[]): string {
  const newestFirst = [...entries].sort((a, b) => {
    const ta = timeOf(a)
    const tb = timeOf(b)
    return ta === tb ? 0 : ta > tb ? -1 : 1
  })
  return newestFirst.map(renderOutboxEntry).join('')
}

function renderOutbox(entries: readonly DemoOutboxEntry[]): string {
  return `
    <section id="outbox" class="card outbox" aria-labelledby="outbox-heading">
      <div class="outbox-header">
        <h2 id="outbox-heading">Outbox (development)</h2>
        <button type="button" class="button-secondary" data-outbox-refresh hidden>Refresh</button>
      </div>
      <p class="hint">No SMS provider is configured, so nothing is really sent: the console provider keeps the last messages here so you can read the code. Newest first.</p>
      <p class="outbox-empty" data-outbox-empty${entries.length > 0 ? ' hidden' : ''}>No messages yet.</p>
      <ol class="outbox-list" data-outbox-list>${renderOutboxEntries(entries)}</ol>
      <p class="status outbox-note" data-outbox-note role="status" aria-live="polite"></p>
      <noscript><p class="hint"><a href="/">Reload the page</a> to see messages sent since it was shown.</p></noscript>
    </section>`
}

/** The demo page, a complete HTML5 document. Every interpolated value is escaped. */
export function renderDemoPage(options: DemoPageOptions = {}): string {
  const { number, result, outbox } = options
  const numberValue = number === undefined ? '' : ` value="${escapeHtml(number)}"`

  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="color-scheme" content="light dark">
  <meta name="referrer" content="no-referrer">
  <title>${escapeHtml(TITLE)}</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/assets/demo.css">
  <script src="/assets/demo.js" defer></script>
</head>
<body>
  <main class="page">
    <header>
      <h1>${escapeHtml(TITLE)}</h1>
      <p class="lead">Enter your phone number to get a one-time code by SMS (or in a phone call), then type that code below to prove the phone is yours.</p>
    </header>

    <section class="card" aria-labelledby="request-heading">
      <h2 id="request-heading">1. Request a code</h2>
      <form id="request-form" method="post" action="/request-auth">
        <div class="field">
          <label for="request-number">Phone number</label>
          <span class="hint" id="request-number-hint">With the country code, e.g. +1&nbsp;201&nbsp;555&nbsp;0123</span>
          <input id="request-number" name="number" type="tel" autocomplete="tel" inputmode="tel" required maxlength="40" aria-describedby="request-number-hint"${numberValue}>
        </div>
        <div class="actions">
          <button type="submit">Send code</button>
          <button type="submit" name="channel" value="call" class="button-secondary">Call me instead</button>
        </div>
        ${renderStatus('request-status', 'request', result)}
      </form>
    </section>

    <section class="card" aria-labelledby="validate-heading">
      <h2 id="validate-heading">2. Verify the code</h2>
      <form id="validate-form" method="post" action="/validate-auth">
        <div class="field">
          <label for="validate-number">Phone number</label>
          <input id="validate-number" name="number" type="tel" autocomplete="tel" inputmode="tel" required maxlength="40"${numberValue}>
        </div>
        <div class="field">
          <label for="auth-code">Code from the SMS or the call</label>
          <input id="auth-code" name="auth_code" type="text" autocomplete="one-time-code" inputmode="numeric" pattern="[0-9 \\-]*" maxlength="14" required spellcheck="false" title="Digits only (spaces and dashes are ignored)">
        </div>
        <button type="submit">Verify</button>
        ${renderStatus('validate-status', 'validate', result)}
      </form>
    </section>
${outbox === undefined ? '' : renderOutbox(outbox)}
  </main>
</body>
</html>
`
}
