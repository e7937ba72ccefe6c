(function () {
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

      // The button pressed ("Send code" or "Call me instead"), and its name and value, as a plain form post sends them.
      var button = event.submitter || form.querySelector('button[type="submit"], button:not([type])');
      var buttons = form.querySelectorAll('button[type="submit"], button:not([type])');
      var hadFocus = document.activeElement;
      var body = new URLSearchParams(new FormData(form));
      if (button && button.name) body.append(button.name, button.value);
      buttons.forEach(function (b) { b.disabled = true; });
      form.setAttribute('aria-busy', 'true');
      setStatus(statusEl, 'pending', button && button.value === 'call' ? 'Calling\u2026' : pendingText);

      var result;
      try {
        var response = await fetch(form.action, {
          method: 'POST',
          headers: { Accept: 'application/json' },
          body: body,
          credentials: 'same-origin'
        });
        result = await readAnswer(response);
      } catch {
        result = { ok: false, message: NETWORK_ERROR };
      } finally {
        buttons.forEach(function (b) { b.disabled = false; });
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

  /** The server renders the entries (the same markup as on the page); they replace the list as they are. */
  async function loadOutbox() {
    var response = await fetch(OUTBOX_URL, {
      method: 'GET',
      headers: { Accept: 'text/html' },
      cache: 'no-store',
      credentials: 'same-origin'
    });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    if (!/^text\/html/i.test(response.headers.get('Content-Type') || '')) throw new Error('not the outbox entries');
    return response.text();
  }

  function showOutbox(html) {
    if (!outboxList) return;
    outboxList.innerHTML = html;
    if (outboxEmpty) outboxEmpty.hidden = outboxList.children.length > 0;
    outboxSignature = signatureFromDom();
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
        var html = await loadOutbox();
        if (poll !== outboxPoll) return;
        showOutbox(html);
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
