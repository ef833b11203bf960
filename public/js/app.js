// Progressive enhancement of the search page: search-as-you-type, `/` to focus, arrows and Enter
// through the hits, Esc to clear. Without this script the form still submits and the server renders hits.
// The arrows move the real focus onto the hit links, so a screen reader reads each hit as it is reached
// and Enter simply follows the link.
(function () {
  'use strict';
  var input = document.querySelector('[data-search-input]');
  var results = document.querySelector('[data-results]');
  var loading = document.querySelector('[data-search-loading]');
  var failed = document.querySelector('[data-search-failed]');

  document.addEventListener('keydown', function (e) {
    var target = e.target;
    var typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
    if (e.key === '/' && !typing && input) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });
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

  function render(q, data) {
    results.replaceChildren();
    if (!q) return;
    if (!data.hits.length) {
      results.appendChild(el('p', 'empty', results.dataset.noHits.replace('{q}', q)));
      return;
    }
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
        ul.appendChild(li);
      });
      section.appendChild(ul);
      results.appendChild(section);
    });
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
