/**
 * Static assets of the demo page: the browser script (served at GET /assets/demo.js) and the stylesheet (served at
 * GET /assets/demo.css). They are separate files because the service's Content-Security-Policy forbids inline
 * scripts and styles.
 *
 * Both are written with String.raw so backslashes (regular expressions, CSS escapes) reach the browser unchanged.
 * Neither may contain a backtick or a dollar sign followed by a brace.
 */

/**
 * Progressive enhancement for the demo page (plain ES2020, no modules). Without it the forms post normally and the
 * server renders the page again with the answer.
 */
export const DEMO_SCRIPT: string = String.raw`(function () {
  'use strict';

  var OUTBOX_URL = '/dev/outbox';
  var OUTBOX_POLL_DELAYS_MS = [0, 500, 1000, 2000, 3500, 5000];
  var NETWORK_ERROR = 'Could not reach the server. Check your connection and try again.';

  function byId(id) {
    return document.getElementById(id);
  }

  function setStatus(el, kind, text) {
    if (!el) return;
    el.classList.remove('status--ok', 'status--error', 'status--pending');
    if (kind) el.classList.add('status--' + kind);
    el.textContent = text;
  }

  /** Seconds to wait from a Retry-After header (delay-seconds or HTTP-date), or undefined. */
  function retryAfterSeconds(value) {
    if (!value) return undefined;
    var trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return parseInt(trimmed, 10);
    var date = Date.parse(trimmed);
    if (isNaN(date)) return undefined;
    return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }

  function plainText(text) {
    var trimmed = (text || '').trim();
    // An HTML error page (e.g. from a proxy) is no message to show.
    if (trimmed === '' || trimmed.charAt(0) === '<') return '';
    return trimmed.length > 300 ? trimmed.slice(0, 300) + '\u2026' : trimmed;
  }

  /** The answer of /request-auth or /validate-auth as { ok, message }. */
  async function readAnswer(response) {
    var json = null;
    var text = '';
    var type = response.headers.get('Content-Type') || '';
    try {
      if (/json/i.test(type)) json = await response.json();
      else text = await response.text();
    } catch {
      json = null;
    }
    var isObject = json !== null && typeof json === 'object';

    if (response.ok) {
      var success = isObject && typeof json.message === 'string' ? json.message : plainText(text);
      return { ok: true, message: success || 'Done.' };
    }

    var message = '';
    if (isObject && json.error && typeof json.error === 'object' && typeof json.error.message === 'string') {
      message = json.error.message;
    } else if (isObject && typeof json.message === 'string') {
      message = json.message;
    } else {
      message = plainText(text);
    }
    if (!message) message = 'Request failed (HTTP ' + response.status + ').';

    var seconds = retryAfterSeconds(response.headers.get('Retry-After'));
    if (seconds !== undefined && seconds > 0) message += ' \u2014 try again in ' + seconds + ' s.';
    return { ok: false, message: message };
  }

  function enhance(form, statusEl, pendingText, onSuccess) {
    if (!form) return;
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      if (form.getAttribute('aria-busy') === 'true') return;

      var button = form.querySelector('button[type="submit"], button:not([type])');
      var hadFocus = document.activeElement;
      if (button) button.disabled = true;
      form.setAttribute('aria-busy', 'true');
      setStatus(statusEl, 'pending', pendingText);

      var result;
      try {
        var response = await fetch(form.action, {
          method: 'POST',
          headers: { Accept: 'application/json' },
          body: new URLSearchParams(new FormData(form)),
          credentials: 'same-origin'
        });
        result = await readAnswer(response);
      } catch {
        result = { ok: false, message: NETWORK_ERROR };
      } finally {
        if (button) button.disabled = false;
        form.removeAttribute('aria-busy');
      }

      setStatus(statusEl, result.ok ? 'ok' : 'error', result.message);
      // Disabling the button drops its focus; give it back unless something else took it meanwhile.
      if (button && hadFocus === button && (document.activeElement === null || document.activeElement === document.body)) {
        button.focus();
      }
      if (result.ok && onSuccess) onSuccess();
    });
  }

  // ---- Outbox (development only) ----

  var outbox = byId('outbox');
  var outboxList = outbox ? outbox.querySelector('[data-outbox-list]') : null;
  var outboxEmpty = outbox ? outbox.querySelector('[data-outbox-empty]') : null;
  var outboxNote = outbox ? outbox.querySelector('[data-outbox-note]') : null;
  var outboxRefresh = outbox ? outbox.querySelector('[data-outbox-refresh]') : null;
  var outboxSignature = '';
  var outboxPoll = 0;

  function timeOf(entry) {
    var t = Date.parse(entry.sentAt);
    return isNaN(t) ? -Infinity : t;
  }

  function formatSentAt(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return iso;
    return new Date(t).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
  }

  function isEntry(value) {
    return value !== null && typeof value === 'object' &&
      typeof value.to === 'string' && typeof value.body === 'string' && typeof value.sentAt === 'string';
  }

  function newestFirst(entries) {
    return entries.slice().sort(function (a, b) {
      var ta = timeOf(a);
      var tb = timeOf(b);
      return ta === tb ? 0 : (ta > tb ? -1 : 1);
    });
  }

  function signatureOf(entries) {
    var newest = entries[0];
    return entries.length + '|' + (newest ? newest.sentAt + '|' + newest.to + '|' + newest.body : '');
  }

  function signatureFromDom() {
    if (!outboxList) return '';
    var items = outboxList.querySelectorAll('li');
    var first = items[0];
    if (!first) return '0|';
    var time = first.querySelector('[data-sent-at]');
    var to = first.querySelector('[data-to]');
    var body = first.querySelector('[data-body]');
    return items.length + '|' + (time ? time.getAttribute('data-sent-at') : '') + '|' +
      (to ? to.textContent : '') + '|' + (body ? body.textContent : '');
  }

  function renderOutbox(entries) {
    if (!outboxList) return;
    while (outboxList.firstChild) outboxList.removeChild(outboxList.firstChild);
    entries.forEach(function (entry) {
      var item = document.createElement('li');
      item.className = 'outbox-entry';

      var meta = document.createElement('p');
      meta.className = 'outbox-meta';
      var toLabel = document.createElement('span');
      toLabel.textContent = 'To ';
      var to = document.createElement('span');
      to.className = 'outbox-to';
      to.setAttribute('data-to', '');
      to.textContent = entry.to;
      var time;
      if (isNaN(Date.parse(entry.sentAt))) {
        time = document.createElement('span');
      } else {
        time = document.createElement('time');
        time.setAttribute('datetime', entry.sentAt);
      }
      time.className = 'outbox-time';
      time.setAttribute('data-sent-at', entry.sentAt);
      time.textContent = formatSentAt(entry.sentAt);
      meta.appendChild(toLabel);
      meta.appendChild(to);
      meta.appendChild(document.createTextNode(' \u00b7 '));
      meta.appendChild(time);

      var body = document.createElement('p');
      body.className = 'outbox-body';
      body.setAttribute('data-body', '');
      body.textContent = entry.body;

      item.appendChild(meta);
      item.appendChild(body);
      outboxList.appendChild(item);
    });
    if (outboxEmpty) outboxEmpty.hidden = entries.length > 0;
    outboxSignature = signatureOf(entries);
  }

  async function loadOutbox() {
    var response = await fetch(OUTBOX_URL, {
      method: 'GET',
      headers: { Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'same-origin'
    });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    var data = await response.json();
    if (!Array.isArray(data)) throw new Error('not a list');
    return newestFirst(data.filter(isEntry));
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  /**
   * Reloads the outbox. With untilChanged, the SMS may still be on its way through the queue, so it polls a few
   * times until the list differs from what was shown before.
   */
  async function refreshOutbox(untilChanged) {
    if (!outboxList) return;
    var poll = ++outboxPoll;
    var before = outboxSignature;
    var delays = untilChanged ? OUTBOX_POLL_DELAYS_MS : [0];
    for (var i = 0; i < delays.length; i++) {
      if (delays[i] > 0) await wait(delays[i]);
      if (poll !== outboxPoll) return; // a newer refresh took over
      try {
        var entries = await loadOutbox();
        if (poll !== outboxPoll) return;
        renderOutbox(entries);
        setStatus(outboxNote, null, '');
        if (!untilChanged || outboxSignature !== before) return;
      } catch {
        if (poll !== outboxPoll) return;
        setStatus(outboxNote, 'error', 'Could not refresh the outbox.');
        return;
      }
    }
  }

  // ---- Wiring ----

  var requestNumber = byId('request-number');
  var validateNumber = byId('validate-number');
  var authCode = byId('auth-code');
  var validateStatus = byId('validate-status');

  enhance(byId('request-form'), byId('request-status'), 'Sending\u2026', function () {
    if (requestNumber && validateNumber) validateNumber.value = requestNumber.value;
    setStatus(validateStatus, null, '');
    if (authCode) {
      authCode.value = '';
      authCode.focus();
    }
    if (outbox) refreshOutbox(true);
  });

  enhance(byId('validate-form'), validateStatus, 'Checking\u2026', null);

  if (outbox) {
    outboxSignature = signatureFromDom();
    if (outboxRefresh) {
      outboxRefresh.hidden = false;
      outboxRefresh.addEventListener('click', function () { refreshOutbox(false); });
    }
  }
})();
`

/** Stylesheet of the demo page. */
export const DEMO_STYLES: string = String.raw`*,
*::before,
*::after {
  box-sizing: border-box;
}

[hidden] {
  display: none !important;
}

:root {
  color-scheme: light dark;
  --bg: #f6f7f9;
  --card: #ffffff;
  --text: #1a1d23;
  --muted: #4a5261;
  --border: #c9ced8;
  --accent: #1d4ed8;
  --accent-hover: #1e40af;
  --accent-text: #ffffff;
  --focus: #1d4ed8;
  --ok-bg: #ecfdf3;
  --ok-border: #15803d;
  --ok-text: #14532d;
  --error-bg: #fef2f2;
  --error-border: #b91c1c;
  --error-text: #7f1d1d;
  --code-bg: #f1f3f6;
}

@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14161a;
    --card: #1d2026;
    --text: #eceef2;
    --muted: #b4bac6;
    --border: #454b57;
    --accent: #3b6ef5;
    --accent-hover: #5a86f7;
    --accent-text: #ffffff;
    --focus: #8fb0ff;
    --ok-bg: #0f2a1a;
    --ok-border: #4ade80;
    --ok-text: #bbf7d0;
    --error-bg: #2e1313;
    --error-border: #f87171;
    --error-text: #fecaca;
    --code-bg: #262a31;
  }
}

html {
  -webkit-text-size-adjust: 100%;
  text-size-adjust: 100%;
}

body {
  margin: 0;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-size: 1rem;
  line-height: 1.5;
  overflow-wrap: break-word;
}

.page {
  width: 100%;
  max-width: 40rem;
  margin: 0 auto;
  padding: 1.5rem 1rem 3rem;
}

h1 {
  font-size: 1.5rem;
  line-height: 1.25;
  margin: 0 0 0.5rem;
}

h2 {
  font-size: 1.15rem;
  line-height: 1.3;
  margin: 0 0 0.75rem;
}

p {
  margin: 0 0 0.75rem;
}

.lead {
  color: var(--muted);
  margin-bottom: 1.5rem;
}

.card {
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 0.75rem;
  padding: 1.25rem 1rem;
  margin: 0 0 1.25rem;
}

.field {
  margin: 0 0 1rem;
}

label {
  display: block;
  font-weight: 600;
  margin: 0 0 0.25rem;
}

.hint {
  display: block;
  color: var(--muted);
  font-size: 0.875rem;
  margin: 0 0 0.375rem;
}

input {
  display: block;
  width: 100%;
  max-width: 100%;
  min-height: 2.75rem;
  padding: 0.5rem 0.75rem;
  font: inherit;
  font-size: 1rem;
  color: var(--text);
  background: var(--card);
  border: 1px solid var(--muted);
  border-radius: 0.5rem;
}

#auth-code {
  font-variant-numeric: tabular-nums;
  letter-spacing: 0.1em;
}

button {
  display: inline-block;
  min-height: 2.75rem;
  padding: 0.5rem 1.25rem;
  font: inherit;
  font-weight: 600;
  color: var(--accent-text);
  background: var(--accent);
  border: 1px solid var(--accent);
  border-radius: 0.5rem;
  cursor: pointer;
}

button:hover {
  background: var(--accent-hover);
  border-color: var(--accent-hover);
}

button:disabled {
  opacity: 0.6;
  cursor: progress;
}

.button-secondary {
  color: var(--accent);
  background: transparent;
  border-color: var(--border);
  min-height: 2.25rem;
  padding: 0.25rem 0.875rem;
}

.button-secondary:hover {
  background: var(--code-bg);
  border-color: var(--muted);
}

:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
}

input:focus-visible {
  border-color: var(--focus);
}

.status {
  margin: 1rem 0 0;
  border-radius: 0.5rem;
}

.status:empty {
  margin: 0;
  padding: 0;
  border: 0;
}

.status--pending {
  padding: 0.5rem 0.75rem;
  color: var(--muted);
}

.status--ok,
.status--error {
  padding: 0.625rem 0.875rem;
  border-left: 4px solid;
  font-weight: 600;
}

.status--ok {
  background: var(--ok-bg);
  border-color: var(--ok-border);
  color: var(--ok-text);
}

.status--error {
  background: var(--error-bg);
  border-color: var(--error-border);
  color: var(--error-text);
}

.status--ok::before {
  content: "\2713\00a0";
}

.status--error::before {
  content: "\26a0\fe0e\00a0";
}

.outbox-header {
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  justify-content: space-between;
  gap: 0.5rem;
  margin: 0 0 0.75rem;
}

.outbox-header h2 {
  margin: 0;
}

.outbox-list {
  list-style: none;
  margin: 0;
  padding: 0;
}

.outbox-entry {
  border-top: 1px solid var(--border);
  padding: 0.75rem 0;
}

.outbox-entry:last-child {
  padding-bottom: 0;
}

.outbox-meta {
  color: var(--muted);
  font-size: 0.875rem;
  margin: 0 0 0.25rem;
}

.outbox-to {
  font-variant-numeric: tabular-nums;
  font-weight: 600;
  color: var(--text);
}

.outbox-body {
  margin: 0;
  padding: 0.5rem 0.75rem;
  background: var(--code-bg);
  border-radius: 0.375rem;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.9375rem;
  white-space: pre-wrap;
  overflow-wrap: anywhere;
}

.outbox-empty {
  color: var(--muted);
  font-style: italic;
  margin: 0;
}

.outbox-note {
  margin-top: 0.75rem;
}

.outbox-note:empty {
  margin: 0;
}
`
