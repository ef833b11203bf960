// Counts down the verification code's validity on the user page. The server renders the seconds
// left by its own clock, so a wrong clock on the agent's machine does not matter.
(function () {
  'use strict';
  var nodes = document.querySelectorAll('time[data-countdown]');
  if (!nodes.length) return;
  var started = Date.now();

  function tick() {
    var elapsed = Math.floor((Date.now() - started) / 1000);
    nodes.forEach(function (node) {
      var left = Math.max(0, Number(node.dataset.seconds) - elapsed);
      node.textContent = left > 0
        ? Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0')
        : node.dataset.expiredText;
    });
  }
  setInterval(tick, 1000);
})();
