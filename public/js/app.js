// Progressive enhancement of every page: keyboard shortcuts (`/` search, `g o` the org, `?` the list),
// copy buttons, the browser's time zone told once to the server; and of the search page:
// search-as-you-type, arrows and Enter through the hits, Esc to clear. Without this script every form
// still submits and the server renders hits (in UTC times until the zone is known).
// The arrows move the real focus onto the hit links, so a screen reader reads each hit as it is reached
// and Enter simply follows the link.
(function () {
  'use strict';
  var body = document.body;

  // Times: the server renders them in the session's zone (src/http/time-zone.ts); it asks for it by
  // the data-time-zone-post attribute while it does not know it, and the next page shows local times.
  var zoneUrl = body.getAttribute('data-time-zone-post');
  if (zoneUrl && window.fetch && window.Intl) {
    var zone = '';
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { zone = ''; }
    if (zone) {
      fetch(zoneUrl, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': body.getAttribute('data-csrf-token') || '' },
        body: JSON.stringify({ timeZone: zone }),
      }).catch(function () { /* times stay in UTC, labelled so */ });
    }
  }

  // Copy buttons: any button.copy-button copies its data-copy text, or the text (a field's value) of
  // the element named by data-copy-target; it then says "Copied" for a moment, to eyes and to
  // screen readers (its accessible name and a polite live region).
  var status = null;
  function announce(text) {
    if (!status) {
      status = document.createElement('span');
      status.className = 'visually-hidden';
      status.setAttribute('role', 'status');
      body.appendChild(status);
    }
    status.textContent = '';
    setTimeout(function () { status.textContent = text; }, 50);
  }
  function fallbackCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'copy-buffer';
    body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error('copy refused'));
  }
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }
  function textOf(button) {
    var direct = button.getAttribute('data-copy');
    if (direct !== null) return direct;
    var target = document.getElementById(button.getAttribute('data-copy-target') || '');
    if (!target) return null;
    return (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT') ? target.value : target.textContent;
  }
  function showCopied(button) {
    var words = button.querySelector('.copy-text') || button;
    var copied = words.getAttribute('data-copied-text') || button.getAttribute('data-copied-text') || body.getAttribute('data-copied-text') || '✓';
    if (!button.hasAttribute('data-copy-idle')) {
      button.setAttribute('data-copy-idle', words.textContent);
      if (button.hasAttribute('aria-label')) button.setAttribute('data-copy-idle-label', button.getAttribute('aria-label'));
    }
    words.textContent = copied;
    var copiedLabel = button.getAttribute('data-copied-label');
    if (copiedLabel && button.hasAttribute('aria-label')) button.setAttribute('aria-label', copiedLabel);
    button.classList.add('is-copied');
    announce(copiedLabel || copied);
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () {
      words.textContent = button.getAttribute('data-copy-idle');
      if (button.hasAttribute('data-copy-idle-label')) button.setAttribute('aria-label', button.getAttribute('data-copy-idle-label'));
      button.removeAttribute('data-copy-idle');
      button.removeAttribute('data-copy-idle-label');
      button.classList.remove('is-copied');
    }, 2500);
  }
  document.addEventListener('click', function (e) {
    var button = e.target && e.target.closest ? e.target.closest('button.copy-button') : null;
    if (!button) return;
    var text = textOf(button);
    if (text === null) return;
    copyText(text).then(function () { showCopied(button); }, function () { announce(body.getAttribute('data-copy-failed') || ''); });
  });

  // Keyboard shortcuts, never while typing in a field, nor with Ctrl, Alt or Meta held (the browser's own).
  var dialog = document.getElementById('shortcuts');
  function openShortcuts() { if (dialog && !dialog.open && dialog.showModal) dialog.showModal(); }
  var opener = document.querySelector('[data-open-shortcuts]');
  if (opener && dialog) {
    opener.hidden = false;
    opener.addEventListener('click', openShortcuts);
  }
  if (dialog) {
    dialog.addEventListener('click', function (e) {
      if (e.target && e.target.closest && e.target.closest('[data-close-dialog]')) dialog.close();
    });
  }
  function typingIn(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
  }
  var pendingG = 0;
  document.addEventListener('keydown', function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
    if (dialog && dialog.open) return;
    var key = e.key;
    if (key === '/') {
      var search = document.querySelector('[data-search-input]') || document.querySelector('[data-global-search]');
      if (!search && !dialog) return;
      e.preventDefault();
      // A page without a search box (the read-only view) goes to the search page, which focuses its
      // box; only agent pages, the ones with the shortcut list, have a search page to go to.
      if (search) { search.focus(); search.select(); } else if (dialog) { window.location.href = '/'; }
    } else if (key === '?') {
      e.preventDefault();
      openShortcuts();
    } else if (key === 'g') {
      pendingG = Date.now();
      return;
    } else if (key === 'o' && pendingG && Date.now() - pendingG < 1500) {
      var org = document.querySelector('a[data-shortcut-org]');
      if (org) { e.preventDefault(); window.location.href = org.href; }
    }
    pendingG = 0;
  });

  var input = document.querySelector('[data-search-input]');
  var results = document.querySelector('[data-results]');
  var loading = document.querySelector('[data-search-loading]');
  var failed = document.querySelector('[data-search-failed]');
  if (!input || !results) return;

  var groups = [['org', '/orgs/'], ['user', '/users/'], ['device', '/devices/']];
  var timer = null;
  var slow = null;
  var seq = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function highlighted(matched) {
    var frag = document.createDocumentFragment();
    var pos = 0;
    matched.ranges.forEach(function (r) {
      if (r[0] < pos) return;
      frag.appendChild(document.createTextNode(matched.value.slice(pos, r[0])));
      frag.appendChild(el('mark', '', matched.value.slice(r[0], r[1])));
      pos = r[1];
    });
    frag.appendChild(document.createTextNode(matched.value.slice(pos)));
    return frag;
  }

  // The same copy button views/partials/copy.ejs renders beside a matched identifier.
  var copyKinds = { uuid: 'id', email: 'email', phone: 'phone', sip: 'sip', serial: 'serial', mac: 'mac', order: 'order', site: 'site', domain: 'domain' };
  function copyButton(matched) {
    var kind = copyKinds[matched.field];
    var label = kind && results.getAttribute('data-copy-label-' + kind);
    if (!label) return null;
    var button = el('button', 'copy-button');
    button.type = 'button';
    button.setAttribute('data-copy', matched.value);
    button.setAttribute('aria-label', label.replace('{value}', matched.value));
    button.setAttribute('data-copied-label', (results.getAttribute('data-copied-label') || '').replace('{value}', matched.value));
    var words = el('span', 'copy-text', results.getAttribute('data-copy-text'));
    words.setAttribute('data-copied-text', results.getAttribute('data-copied-text'));
    button.appendChild(words);
    return button;
  }

  function render(q, data) {
    results.replaceChildren();
    if (!q) return;
    if (!data.hits.length) {
      results.appendChild(el('p', 'empty', results.dataset.noHits.replace('{q}', q)));
      return;
    }
    // No hit has every word: say which word was left out (search.service.ts, withFallbacks).
    if (data.partial && results.dataset.partial) results.appendChild(el('p', 'notice', results.dataset.partial.replace('{word}', data.partial.without)));
    groups.forEach(function (g) {
      var hits = data.hits.filter(function (h) { return h.kind === g[0]; });
      if (!hits.length) return;
      var label = results.dataset['label' + g[0].charAt(0).toUpperCase() + g[0].slice(1)];
      var section = el('section', 'hit-group');
      section.setAttribute('aria-label', label);
      section.appendChild(el('h2', '', label));
      var ul = el('ul');
      hits.forEach(function (hit) {
        var a = el('a', 'hit');
        a.href = g[1] + encodeURIComponent(hit.id);
        a.appendChild(el('span', 'hit-title', hit.title));
        a.appendChild(el('span', 'hit-subtitle', hit.subtitle));
        if (hit.matched) {
          var m = el('span', 'hit-matched');
          m.appendChild(el('span', 'field', results.dataset['field' + hit.matched.field.charAt(0).toUpperCase() + hit.matched.field.slice(1)] || hit.matched.field));
          m.appendChild(document.createTextNode(' '));
          m.appendChild(highlighted(hit.matched));
          if (hit.exact) {
            m.appendChild(document.createTextNode(' '));
            m.appendChild(el('span', 'badge', results.dataset.labelExact));
          }
          a.appendChild(m);
        }
        var li = el('li');
        li.appendChild(a);
        var copy = hit.matched && copyButton(hit.matched);
        if (copy) li.appendChild(copy);
        ul.appendChild(li);
      });
      section.appendChild(ul);
      results.appendChild(section);
    });
    // The API looks one hit past the limit (`more`), it does not count them all: how many are shown,
    // that there are more, and the full page search, which counts them and shows more.
    if (data.more && results.dataset.showingFirst) {
      var more = el('p', 'search-more', results.dataset.showingFirst.replace('{shown}', String(data.hits.length)) + ' ');
      more.setAttribute('data-search-more', '');
      var link = el('a', '', results.dataset.showMore);
      link.href = '/?q=' + encodeURIComponent(q) + '&limit=' + encodeURIComponent(results.dataset.moreLimit || '60');
      more.appendChild(link);
      results.appendChild(more);
    }
  }

  function search() {
    var q = input.value.trim();
    var mine = ++seq;
    var url = new URL(window.location.href);
    if (q) url.searchParams.set('q', q); else url.searchParams.delete('q');
    window.history.replaceState(null, '', url);
    if (failed) failed.hidden = true;
    if (!q) { render('', null); return; }
    results.setAttribute('aria-busy', 'true');
    // "Searching…" only when an answer is slow, so a quick one does not flicker.
    clearTimeout(slow);
    slow = setTimeout(function () { if (loading && mine === seq) loading.hidden = false; }, 400);
    fetch('/api/v1/search?limit=30&q=' + encodeURIComponent(q), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.json(); })
      .then(function (data) {
        if (mine !== seq) return;
        var banner = document.querySelector('[data-degraded]');
        if (banner) banner.hidden = !data.degraded;
        render(q, data);
      })
      // The last hits stay; the message says the form still works by Enter (a full page search).
      .catch(function () { if (mine === seq && failed) failed.hidden = false; })
      .then(function () {
        if (mine !== seq) return;
        clearTimeout(slow);
        if (loading) loading.hidden = true;
        results.removeAttribute('aria-busy');
      });
  }

  function links() { return Array.prototype.slice.call(results.querySelectorAll('a.hit')); }
  function clear() {
    clearTimeout(timer);
    input.value = '';
    search();
    input.focus();
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(search, 120);
  });
  input.addEventListener('keydown', function (e) {
    var list = links();
    if (e.key === 'ArrowDown' && list.length) { e.preventDefault(); list[0].focus(); }
    else if (e.key === 'Escape') { e.preventDefault(); clear(); }
  });
  results.addEventListener('keydown', function (e) {
    var list = links();
    var i = list.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === 'ArrowDown') { e.preventDefault(); list[Math.min(i + 1, list.length - 1)].focus(); }
    else if (e.key === 'ArrowUp') { e.preventDefault(); if (i === 0) input.focus(); else list[i - 1].focus(); }
    else if (e.key === 'Escape') { e.preventDefault(); clear(); }
    else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey && e.key !== ' ') {
      // Typing on a hit goes on with the query, as if the box had kept the focus.
      input.focus();
    }
  });
})();
