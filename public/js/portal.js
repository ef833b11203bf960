// Counts down to the end of the read-only grant in the banner. The server renders the seconds left
// by its own clock, so a wrong clock on the agent's machine does not matter. At the end the page
// reloads: the server then answers 403, as it does for every request once the grant is over.
(function () {
  'use strict';
  var node = document.querySelector('time[data-grant-countdown]');
  if (!node) return;
  var total = Number(node.dataset.seconds);
  var started = Date.now();
  var pad = function (n) { return String(n).padStart(2, '0'); };

  function tick() {
    var left = Math.max(0, total - Math.floor((Date.now() - started) / 1000));
    if (left === 0) {
      node.textContent = node.dataset.endedText;
      clearInterval(timer);
      window.location.reload();
      return;
    }
    var days = Math.floor(left / 86400);
    var hms = [Math.floor(left % 86400 / 3600), Math.floor(left % 3600 / 60), left % 60].map(pad).join(':');
    node.textContent = (days > 0 ? days + node.dataset.daysSuffix + ' ' : '') + hms;
  }
  var timer = setInterval(tick, 1000);
})();
